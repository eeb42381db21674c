package dev.echostages.tools.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.checker.servers.SmallEchoServer;
import dev.echostages.tools.testing.Python3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The checker as scripts and CI use it: its command line, its exit status, its JSON, any language. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CheckerCommandLineTest {

    private record Run(int status, String out, String err) {
    }

    private static Run checker(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = Checker.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aUsageErrorExitsTwoAndSaysWhatIsWrong() {
        Run noServer = checker("--stage", "3");
        assertEquals(2, noServer.status());
        assertTrue(noServer.err().contains("no server: give its command after --"), noServer.err());
        Run noPort = checker("--", "python3", "server.py");
        assertEquals(2, noPort.status());
        assertTrue(noPort.err().contains("the command has no {port}"), noPort.err());
        Run badStage = checker("--stage", "9", "--connect", "127.0.0.1:8000");
        assertEquals(2, badStage.status());
        assertTrue(badStage.err().contains("--stage must be from 1 to 5, not 9"), badStage.err());
    }

    @Test
    void underConnectTheChecksThatNeedTheProcessAreSkippedAndTheJsonSaysSo(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        ServerUnderTest running = CheckerCatchesBrokenServersTest.start(SmallEchoServer.class);
        try (running) {
            Run run = checker("--stage", "4", "--json", json.toString(), "--connect", ServerUnderTest.hostPort(running.address()));
            assertEquals(0, run.status(), run.out() + run.err());
            assertTrue(run.out().contains("4.1 skip"), run.out());
            assertTrue(run.out().contains("Verdict: stage 4 reached: every check of stages 1 to 4 passes; skipped, so neither"
                    + " passed nor failed: 4.1."), run.out());
            String results = Files.readString(json);
            assertTrue(results.contains("\"id\": \"4.1\", \"stage\": 4, \"title\": \"idle connections, and closed ones, cost no CPU\","
                    + " \"status\": \"skip\""), results);
            assertTrue(results.contains("\"reached\": 4"), results);
        }
    }

    /** The checker knows nothing of Java: a dozen lines of Python reach stage 3 through the same command line. */
    @Test
    void aPythonServerIsCheckedTheSameWay() {
        Python3.assume("a Python server");
        Path server = Path.of("src/test/resources/threaded_echo.py").toAbsolutePath();
        Run run = checker("--stage", "3", "--json", "-", "--", "python3", server.toString(), "{port}");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().contains("Verdict: stage 3 reached"), run.err());
        assertTrue(run.out().startsWith("{") && run.out().contains("\"reached\": 3"), run.out());
    }
}
