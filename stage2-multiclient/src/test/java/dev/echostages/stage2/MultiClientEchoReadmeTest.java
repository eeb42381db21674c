package dev.echostages.stage2;

import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.demo.TwoClientDemo;
import dev.echostages.tools.testing.ReadmeTranscripts;
import dev.echostages.tools.testing.ReadmeTranscripts.Ordering;
import dev.echostages.tools.testing.TestClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The transcripts in this stage's README are what the server prints today: the demo's timeline,
 * a telnet and an nc client side by side with the server's log of that session, and a lone
 * client waiting for a newcomer. Each is produced here by the real server process. To regenerate
 * them after a change to the log: {@code ./mvnw -q -pl stage2-multiclient -am verify -Dreadme.update=true}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MultiClientEchoReadmeTest {

    /** The port the README shows: the default, the one a student's server listens on. */
    private static final int SHOWN_PORT = 8000;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    @Test
    void readmeTranscriptsAreWhatTheServerPrints() throws Exception {
        TwoClients session = telnetAndNcSession();
        LoneClient lone = loneClientWaitsForANewcomer();
        ReadmeTranscripts.of(Path.of("README.md"))
                // Client and server events within a few milliseconds have no fixed order.
                .scenario("demo", Ordering.SAME_MOMENT_IN_ANY_ORDER, MultiClientEchoReadmeTest::demo)
                .scenario("telnet-and-nc", session::clients)
                .scenario("telnet-and-nc-server-log", session::serverLog)
                .scenario("lone-client", lone::client)
                .scenario("lone-client-server-log", lone::serverLog)
                .verify();
    }

    /** The demo, as the README's command runs it: its own server on a free port, default settings. */
    private static String demo() throws Exception {
        String output = ReadmeTranscripts.javaOutput(Duration.ofSeconds(60), TwoClientDemo.class.getName(),
                MultiClientEchoServer.class.getName());
        return "$ ./mvnw -q -pl stage2-multiclient -am package -DskipTests exec:exec@demo\n" + output;
    }

    private static ServerProcess startServer() throws Exception {
        return ServerProcess.java(MultiClientEchoServer.class.getName(), "--port", "0").start();
    }

    /** The server's stdout from the first line that {@code first} accepts through the first containing {@code last}. */
    private static String logThrough(ServerProcess server, Predicate<String> first, String last) throws Exception {
        server.awaitLine(last, WAIT);
        List<String> shown = new ArrayList<>();
        for (String line : server.stdout()) {
            if (shown.isEmpty() && !first.test(line)) {
                continue;
            }
            shown.add(line.replace("127.0.0.1:" + server.port(), "127.0.0.1:" + SHOWN_PORT));
            if (line.contains(last)) {
                break;
            }
        }
        return String.join("\n", shown);
    }

    /** A row of the side-by-side picture: A's column on the left, B's on the right. */
    private record Row(String a, String b) {
    }

    /** The two terminals of the by-hand session, and the server's log of it. */
    private record TwoClients(List<Row> rows, String serverLog) {
        String clients() {
            var text = new StringBuilder(String.format("%-44s%s\n", "$ telnet localhost " + SHOWN_PORT, "$ nc localhost " + SHOWN_PORT));
            for (Row row : rows) {
                text.append(String.format("%-44s%s", row.a(), row.b()).stripTrailing()).append('\n');
            }
            return text.toString();
        }
    }

    /**
     * A (telnet, sends \r\n) connects; half a second later B (nc, sends \n) connects and sends its
     * line; A speaks after 3 s, and again after 4.5 s. Times are from A's connect.
     */
    private static TwoClients telnetAndNcSession() throws Exception {
        try (ServerProcess server = startServer();
                TestClient a = TestClient.connect(server.address())) {
            long zero = System.nanoTime();
            List<Row> rows = new ArrayList<>();
            sleepUntil(zero, 500);
            try (TestClient b = TestClient.connect(server.address())) {
                b.send("hello from B\n");
                rows.add(new Row("", note("hello from B", "typed", zero)));
                rows.add(new Row("", "...nothing..."));
                sleepUntil(zero, 3000);
                a.send("hello from A\r\n");
                rows.add(new Row(note("hello from A", "typed", zero), ""));
                rows.add(new Row(note(text(a.readLine()), "echo", zero), ""));
                sleepUntil(zero, 4500);
                a.send("A again\r\n");
                rows.add(new Row(note("A again", "typed", zero), ""));
                rows.add(new Row(note(text(a.readLine()), "echo", zero), ""));
                rows.add(new Row("", note(text(b.readLine()), "echo", zero)));
                String log = logThrough(server, line -> line.startsWith("Listening on"), "waiting in accept() for a new client (2 connected)");
                return new TwoClients(rows, log);
            }
        }
    }

    private static String note(String line, String what, long zero) {
        return String.format(Locale.ROOT, "%-18s<- %s at +%.1f s", line, what, (System.nanoTime() - zero) / 1e9);
    }

    private static String text(byte[] line) {
        return new String(line, StandardCharsets.UTF_8).stripTrailing();
    }

    private static void sleepUntil(long zero, long millis) throws InterruptedException {
        long left = millis - (System.nanoTime() - zero) / 1_000_000;
        if (left > 0) {
            Thread.sleep(left);
        }
    }

    /** What the lone client saw, each line stamped as it arrived, and the server's log of it. */
    private record LoneClient(String client, String serverLog) {
    }

    /** One client sends "first", then "second" a second later; a newcomer connects (and leaves) at 3 s. */
    private static LoneClient loneClientWaitsForANewcomer() throws Exception {
        try (ServerProcess server = startServer();
                TestClient lone = TestClient.connect(server.address())) {
            long zero = System.nanoTime();
            List<String> seen = new ArrayList<>();
            lone.send("first\n");
            seen.add(stamped(lone.readLine()));
            sleepUntil(zero, 1000);
            lone.send("second\n");
            sleepUntil(zero, 3000);
            try (TestClient newcomer = TestClient.connect(server.address())) {
                // connects and leaves at once: the server has to look at it to see that it left
            }
            seen.add(stamped(lone.readLine()));
            String log = logThrough(server, line -> line.endsWith(" connected"), "disconnected, removed from the list");
            return new LoneClient(String.join("\n", seen), log);
        }
    }

    private static String stamped(byte[] line) {
        return LocalTime.now().format(CLOCK) + " " + text(line);
    }
}
