package dev.echostages.exercises;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.checker.Check;
import dev.echostages.tools.checker.Checker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A starter is never already solved: each generated {@code ExerciseNStarter} (the pristine one,
 * regenerated on every build, not the student's copy) compiles, since it is on this module's class
 * path, and fails its exercise's check, because the part to write is missing: the checker run
 * with {@code --stage N} reports that the server stopped, before it echoed a line, on the
 * exercise's own {@code UnsupportedOperationException}. The model answers of exercises
 * 2 and 3, the stages' own servers, pass the same runs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartersAreUnsolvedTest {

    private static List<String> command(String mainClass) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-cp", System.getProperty("java.class.path"), mainClass, "--port", "{port}", "--quiet");
    }

    @ParameterizedTest(name = "exercise {0}: {1} fails the checks of stages 1 to {0}")
    @CsvSource({
            "2, dev.echostages.stage1.Exercise2Starter",
            "3, dev.echostages.stage2.Exercise3Starter",
            "4, dev.echostages.stage3.Exercise4Starter",
            "5, dev.echostages.stage1.Exercise5Starter"})
    void eachStarterFailsItsExercisesCheckUntilThePartIsWritten(int exercise, String starter) {
        var output = new ByteArrayOutputStream();
        IOException notStarted = assertThrows(IOException.class,
                () -> Checker.checkCommand(command(starter), exercise, new PrintStream(output, true, StandardCharsets.UTF_8)),
                "the starter of exercise " + exercise + " passed the checks:\n" + output);
        String message = notStarted.getMessage();
        assertTrue(message.contains("UnsupportedOperationException: exercise " + exercise + ": "), message);
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
}
