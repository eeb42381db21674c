package dev.echostages.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.testing.Measured;
import dev.echostages.tools.testing.ReadmeTranscripts;
import dev.echostages.tools.testing.TestClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The transcripts of TEACHING.md, one demo per stage, produced the way the lesson plan has the
 * instructor type them: through the root's {@code ./run}, on the stages' built jars (this module's
 * tests run after every stage is packaged). Each demo shows its lesson within a few seconds.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "the plan's keystrokes are ./run's; Windows has run.cmd")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TeachingTranscriptsTest {
    private static final String RUN = Path.of("..", "run").toAbsolutePath().normalize().toString();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void teachingTranscriptsAreWhatTheStagesPrint() throws Exception {
        ReadmeTranscripts.of(Path.of("..", "TEACHING.md"))
                .scenario("stage1", () -> printfIntoNc("stage1", "hi there\\n", "disconnected"))
                .scenario("stage2", () -> demoVerdict("stage2"))
                .scenario("stage3", () -> demoVerdict("stage3", "--stats-interval", "1"))
                .scenario("stage4", () -> demoVerdict("stage4"))
                .scenario("stage5", () -> printfIntoNc("stage5", "x1\\nboom\\nafter\\n", "closed after a handler failure"))
                .verify();
    }

    /**
     * {@code ./run STAGE} in the left terminal, {@code printf '...' | nc -N -w 2 localhost 8000}
     * in the right one: the server's log through the line containing {@code last}, then what nc printed.
     */
    private static String printfIntoNc(String stage, String printfArgument, String last) throws Exception {
        List<ServerProcess.Line> lines = new ArrayList<>();
        try (ServerProcess server = ServerProcess.command(List.of(RUN, stage, "--port", "0")).onLine(line -> {
            synchronized (lines) {
                lines.add(line);
            }
        }).start()) {
            String reply;
            try (TestClient nc = TestClient.connect(server.address())) {
                nc.send(printfArgument.replace("\\n", "\n"));
                nc.shutdownOutput();
                reply = new String(nc.readToEnd(), StandardCharsets.UTF_8);
            }
            server.awaitLine(last, WAIT);
            String log = Measured.log(server, lines, line -> line.startsWith("Listening"), line -> line.contains(last));
            // Line numbers in a trace move with every edit of the code; the frames say enough.
            log = log.lines().map(line -> line.startsWith("\tat ") ? line.replaceAll(":\\d+\\)$", ")") : line)
                    .collect(Collectors.joining("\n"));
            return "$ ./run " + stage + "\n" + log + "\n\n$ printf '" + printfArgument + "' | nc -N -w 2 localhost 8000\n"
                    + reply.stripTrailing();
        }
    }

    /** {@code ./run demo STAGE}: the verdict and CPU lines that end its timeline. */
    private static String demoVerdict(String stage, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(RUN, "demo", stage));
        command.addAll(List.of(options));
        Process demo = new ProcessBuilder(command).redirectErrorStream(true).start();
        demo.getOutputStream().close();
        String output = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "the demo did not end:\n" + output);
        assertEquals(0, demo.exitValue(), output);
        String verdict = output.lines().filter(line -> line.startsWith("Verdict:") || line.startsWith("Server CPU"))
                .collect(Collectors.joining("\n"));
        assertTrue(verdict.startsWith("Verdict:"), "no verdict:\n" + output);
        return "$ " + String.join(" ", command).replace(RUN, "./run") + "\n...\n" + verdict;
    }
}
