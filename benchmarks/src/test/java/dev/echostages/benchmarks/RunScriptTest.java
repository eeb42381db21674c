package dev.echostages.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.ServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The root's {@code ./run} launcher, run as a student runs it. It lives in this module because
 * this module's tests run after every stage's jar is packaged. Not on Windows, whose launcher is
 * {@code run.cmd}.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "./run is the Linux and macOS launcher; Windows has run.cmd")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RunScriptTest {
    private static final Path RUN = Path.of("..", "run").toAbsolutePath().normalize();

    private record Result(int status, String stdout, String stderr) {
    }

    private static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(RUN.toString()));
        command.addAll(List.of(args));
        Path errors = Files.createTempFile("run-stderr", ".txt");
        try {
            Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(2, TimeUnit.MINUTES), "./run " + List.of(args) + " did not end");
            return new Result(process.exitValue(), out, Files.readString(errors));
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    @Test
    void aStagesHelpComesThroughTheLauncherWithItsExitStatus() throws Exception {
        Result help = run("stage1", "--help");
        assertEquals(0, help.status(), help.stderr());
        assertTrue(help.stdout().startsWith("usage: stage1-blocking [options]"), help.stdout());
        assertTrue(help.stdout().contains("--chunk N"), help.stdout());

        Result bad = run("stage1", "--port", "eighty");
        assertEquals(2, bad.status(), "the server's own status for a bad option\n" + bad.stderr());
        assertTrue(bad.stderr().contains("stage1-blocking: --port wants a whole number in the digits 0-9, got 'eighty'"), bad.stderr());
    }

    @Test
    void theLauncherBecomesTheServerSoSignalsReachItAlone() throws Exception {
        try (ServerProcess server = ServerProcess.command(List.of(RUN.toString(), "stage1", "--port", "0")).start()) {
            // exec: the process the shell started is the server itself, so the PID it prints is the script's.
            server.awaitLine("PID ", Duration.ofSeconds(20));
            assertEquals("PID " + server.pid(), server.stdout().get(1), server.transcript());
            assertEquals(0, server.stop(), "SIGTERM to the script's PID is a requested stop\n" + server.transcript());
            assertTrue(server.transcript().contains("stopped"), server.transcript());
        }
    }

    @Test
    void unknownCommandsAreSaidPlainly() throws Exception {
        Result unknown = run("stage9");
        assertEquals(2, unknown.status());
        assertEquals("run: no stage called 'stage9': stage1 to stage5\n", unknown.stderr());
        Result nothing = run();
        assertEquals(2, nothing.status());
        assertTrue(nothing.stderr().startsWith("usage: ./run stage1|"), nothing.stderr());
    }
}
