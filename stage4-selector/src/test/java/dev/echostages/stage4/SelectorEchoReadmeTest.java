package dev.echostages.stage4;

import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.demo.TwoClientDemo;
import dev.echostages.tools.testing.LoggedServer;
import dev.echostages.tools.testing.Measured;
import dev.echostages.tools.testing.ReadmeTranscripts;
import dev.echostages.tools.testing.ReadmeTranscripts.Ordering;
import dev.echostages.tools.testing.TestClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The transcripts in this stage's README are what the server prints today: each marked block is
 * produced here by the real server process, driven as telnet or nc would drive it. (The README's
 * strace session is not among them: it needs strace and permission to trace, and is labelled as a
 * recording.) To regenerate them: {@code ./mvnw -q -pl stage4-selector -am verify -Dreadme.update=true}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SelectorEchoReadmeTest {

    private static final String MAIN = SelectorEchoServer.class.getName();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String TICK = "select() found no events";

    @Test
    void readmeTranscriptsAreWhatTheServerPrints() throws Exception {
        ReadmeTranscripts.of(Path.of("README.md"))
                .scenario("demo", SelectorEchoReadmeTest::demo)
                .scenario("idle-ticks-log", SelectorEchoReadmeTest::idleTicksLog)
                .scenario("debug-log", Ordering.SAME_MOMENT_IN_ANY_ORDER, () -> debugSession().log())
                .scenario("debug-b", () -> debugSession().bystander())
                .verify();
    }


    /** The demo as the README's command runs it (this module's pom adds --idle-ticks). */
    private static String demo() throws Exception {
        String output = ReadmeTranscripts.javaOutput(Duration.ofSeconds(90), TwoClientDemo.class.getName(), MAIN, "--idle-ticks");
        String actual = "$ ./mvnw -q -pl stage4-selector -am package -DskipTests exec:exec@demo\n" + output;
        // Lines a few ms apart may swap on a loaded machine, and A's three seconds of silence hold
        // two idle ticks or three, depending on where the ticks fall: same lines, any order, one tick or more.
        return Measured.keepRecorded("demo", actual, Measured.MACHINE_NUMBERS, true, line -> line.contains(TICK));
    }

    /**
     * Started with --idle-ticks; after two ticks telnet A and B connect and talk (A: a line and
     * "café"); after two more, a one-shot nc C sends a line and leaves (nc -N).
     */
    private static String idleTicksLog() throws Exception {
        try (LoggedServer server = new LoggedServer(MAIN, "--idle-ticks")) {
            server.process.awaitLines(TICK, 2, WAIT);
            try (TestClient a = TestClient.connect(server.process.address());
                    TestClient b = TestClient.connect(server.process.address())) {
                for (var said : List.of(List.of(a, "hello from A\r\n"), List.of(b, "hello from B\r\n"), List.of(a, "café\r\n"))) {
                    Thread.sleep(300);
                    TestClient client = (TestClient) said.get(0);
                    client.send((String) said.get(1));
                    client.readLine();
                }
                server.process.awaitLines(TICK, 4, WAIT);
                try (TestClient c = TestClient.connect(server.process.address())) {
                    c.send("and C, while A and B stay connected\n");
                    c.shutdownOutput();
                    c.readToEnd();
                }
                server.process.awaitLine("(2 clients left)", WAIT);
            }
            return server.log("Listening", "(2 clients left)");
        }
    }

    private record DebugSession(String log, String bystander) {
    }

    private static DebugSession debugSession;

    /**
     * Started with --debug; telnet A and B connect. B says a line; A sends "sleep 3"; a moment
     * later B asks "anyone there?" and waits; then B once more; then Ctrl-C (SIGTERM).
     */
    private static DebugSession debugSession() throws Exception {
        if (debugSession != null) {
            return debugSession;
        }
        try (LoggedServer server = new LoggedServer(MAIN, "--debug")) {
            List<String> seen = new ArrayList<>();
            try (TestClient a = TestClient.connect(server.process.address());
                    TestClient b = TestClient.connect(server.process.address())) {
                server.process.awaitLine("connected (2 clients)", WAIT);
                long zero = System.nanoTime();
                seen.add(exchange(b, "B before", zero));
                Thread.sleep(300);
                a.send("sleep 3\r\n");
                server.process.awaitLine("holding the event loop", WAIT);
                Thread.sleep(300);
                seen.add(exchange(b, "B: anyone there?", zero));
                a.readLine();
                Thread.sleep(300);
                seen.add(exchange(b, "B after", zero));
                server.process.requestStop(); // Ctrl-C
                server.process.awaitLine("stopped", WAIT);
            }
            debugSession = new DebugSession(server.log("Listening", "stopped"),
                    "$ telnet localhost 8000   (B)\n" + String.join("\n", seen));
            return debugSession;
        }
    }

    /** B types a line and waits for its echo: when each happened, from B's first line. */
    private static String exchange(TestClient client, String line, long zero) throws Exception {
        double typed = (System.nanoTime() - zero) / 1e9;
        client.send(line + "\r\n");
        String echo = new String(client.readLine(), StandardCharsets.UTF_8).stripTrailing();
        double echoed = (System.nanoTime() - zero) / 1e9;
        return String.format(Locale.ROOT, "%-18s<- typed at +%.1f s, echo at +%.1f s", echo, typed, echoed);
    }
}
