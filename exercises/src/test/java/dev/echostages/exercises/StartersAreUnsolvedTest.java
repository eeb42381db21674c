package dev.echostages.exercises;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.checker.Check;
import dev.echostages.tools.checker.Checker;
import dev.echostages.tools.checker.Outcome.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A starter is never already solved, and fails nothing else: each generated
 * {@code ExerciseNStarter} (the pristine one, regenerated on every build, not the student's copy)
 * is the stage it starts from, so the checker run with {@code --stage N} fails exactly the checks
 * that stage fails in the root README's verdict table, the lesson of exercise N, and passes every
 * other check of stages 1 to N. The model answers of exercises 2 and 3, the stages' own servers,
 * pass the same runs.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StartersAreUnsolvedTest {

    private static List<String> command(String mainClass) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-cp", System.getProperty("java.class.path"), mainClass, "--port", "{port}", "--quiet");
    }

    /**
     * Also what the student sees: the stage's EXERCISE.md quotes the verdict of this run and a
     * piece of the failure's message.
     */
    @ParameterizedTest(name = "exercise {0}: {1}, stage {2}''s code, fails exactly {3}")
    @CsvSource(delimiter = ';', value = {
            "2; dev.echostages.stage1.Exercise2Starter; 1; 2.1; stage2-multiclient; only once A had left: the server serves one client at a time",
            "3; dev.echostages.stage2.Exercise3Starter; 2; 3.1; stage3-nonblocking-busyloop; one client's read blocks everyone",
            "4; dev.echostages.stage3.Exercise4Starter; 3; 4.1; stage4-selector; the server keeps asking sockets that have nothing to say",
            "5; dev.echostages.stage1.Exercise5Starter; 1; 2.1 3.1 5.1 5.2; stage5-async; the echo in flight was lost"})
    void eachStarterFailsExactlyTheChecksItsExerciseIsAbout(int exercise, String starter, int from, String lesson, String stage,
            String quoted) throws IOException {
        var output = new ByteArrayOutputStream();
        Checker.Report report = Checker.checkCommand(command(starter), exercise, new PrintStream(output, true, StandardCharsets.UTF_8));
        String printed = output.toString(StandardCharsets.UTF_8);
        // The checker skips a check only where it cannot run it (5.2 where there is no SIGTERM);
        // a skip is neither a pass nor a failure, so it leaves both lists below.
        List<Check> skipped = report.skipped();
        assertTrue(skipped.stream().allMatch(check -> check == Check.SIGTERM), printed);
        List<Check> failing = Arrays.stream(lesson.split(" ")).map(Check::byId).filter(check -> !skipped.contains(check)).toList();
        assertEquals(failing, report.failed(), printed);
        List<Check> passing = Check.upToStage(exercise).stream()
                .filter(check -> !failing.contains(check) && !skipped.contains(check)).toList();
        assertEquals(passing, with(report, Status.PASS), printed);
        assertEquals(from, report.reached(), printed);

        String instructions = oneLine(Files.readString(Path.of("..", stage, "EXERCISE.md"), StandardCharsets.UTF_8));
        assertTrue(printed.contains(quoted), printed);
        assertTrue(instructions.contains(quoted), stage + "/EXERCISE.md does not quote: " + quoted);
        if (skipped.isEmpty()) {
            assertTrue(instructions.contains(report.verdict()), stage + "/EXERCISE.md does not quote: " + report.verdict());
        }
    }

    /** Stages 4 and 5 are not on this module's class path; the root README's verdict table runs them. */
    @ParameterizedTest(name = "exercise {0}: the model answer {1} passes the checks of stages 1 to {0}")
    @CsvSource({
            "2, dev.echostages.stage2.MultiClientEchoServer, 2.1",
            "3, dev.echostages.stage3.BusyLoopEchoServer, 3.1"})
    void theModelAnswerPassesItsExercisesCheck(int exercise, String answer, String check) throws IOException {
        var output = new ByteArrayOutputStream();
        Checker.Report report = Checker.checkCommand(command(answer), exercise, new PrintStream(output, true, StandardCharsets.UTF_8));
        String printed = output.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), report.failed(), printed);
        assertTrue(report.result(Check.byId(check)).isPresent(), printed);
    }

    /** Markdown wraps its lines anywhere: one space for every run of white space. */
    private static String oneLine(String markdown) {
        return markdown.replaceAll("\\s+", " ");
    }

    private static List<Check> with(Checker.Report report, Status status) {
        return report.results().stream().filter(result -> result.outcome().status() == status).map(Checker.Result::check).toList();
    }
}
