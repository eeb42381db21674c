package dev.echostages.stage5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.common.Protocol;
import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.testing.LoggedServer;
import dev.echostages.tools.testing.Measured;
import dev.echostages.tools.testing.ReadmeTranscripts;
import dev.echostages.tools.testing.TestClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The transcripts in this stage's README are what the server prints today: each marked block is
 * produced here by the real server process ({@code AsyncEchoServer} in a JVM of its own, as
 * {@code java -jar} runs it), driven as nc would drive it: lines end in {@code \n}, and
 * {@code nc -N} sends a FIN after its input. Numbers that measure the run (ms waited, a client's
 * port) are masked by {@link ReadmeTranscripts}; the claims they illustrate are asserted here.
 * To regenerate them: {@code ./mvnw -q -pl stage5-async -am verify -Dreadme.update=true}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AsyncEchoReadmeTest {

    private static final String MAIN = AsyncEchoServer.class.getName();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void readmeTranscriptsAreWhatTheServerPrints() throws Exception {
        ReadmeTranscripts.of(Path.of("README.md"))
                .scenario("debug-b", () -> debugSession().bystander())
                .scenario("debug-boom", () -> debugSession().boomClient())
                .scenario("debug-log", () -> debugSession().log())
                .scenario("channels-warnings", AsyncEchoReadmeTest::channelsWarnings)
                .scenario("max-clients", AsyncEchoReadmeTest::maxClients)
                .verify();
        ReadmeTranscripts.of(Path.of("GRACE.md"))
                .scenario("grace", () -> graceSession().client())
                .scenario("grace-log", () -> graceSession().log())
                .verify();
    }

    /** Sends SIGTERM, as Ctrl-C would (SIGINT); fails unless the process exits within {@code within}; its status. */
    private static int stopLikeCtrlC(LoggedServer server, Duration within) throws Exception {
        long signalled = System.nanoTime();
        server.process.requestStop();
        OptionalInt status = server.process.awaitExit(within);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
        assertTrue(status.isPresent(), "still running " + millis + " ms after SIGTERM\n" + server.process.transcript());
        server.process.stop(); // returns once the last lines are read
        return status.getAsInt();
    }

    /** The server's stdout and stderr merged in time order, from {@code first} through {@code last}. */
    private static String log(LoggedServer server, Predicate<String> first, Predicate<String> last) {
        List<ServerProcess.Line> recorded;
        synchronized (server.lines) {
            recorded = List.copyOf(server.lines);
        }
        return ServerLog.merged(recorded, server.process.port(), first, last);
    }

    // ---------------------------------------------------------------- --carriers 1 --debug, boom, Ctrl-C

    private record DebugSession(String bystander, String boomClient, String log) {
    }

    private static DebugSession debugSession;

    /**
     * The README's walk-through, on the server as its Run command starts it: nc A and nc B
     * connect; A sends {@code sleep 5} and B, during it, {@code anyone there?}; A sends
     * {@code spin 5} and B, during it, {@code hello?} (five seconds: time for a person to switch
     * terminals); a third client, nc with printf's four lines in one write; then A sends
     * {@code sleep 1.5} and the server gets Ctrl-C at once: A's echo comes within the default
     * 2 s grace, B, idle, is closed at once.
     */
    private static DebugSession debugSession() throws Exception {
        if (debugSession != null) {
            return debugSession;
        }
        try (LoggedServer server = new LoggedServer(MAIN, "--carriers", "1", "--debug")) {
            ServerProcess process = server.process;
            List<String> b = new ArrayList<>(List.of("$ nc localhost 8000   (B)"));
            String boomClient;
            try (TestClient clientA = TestClient.connect(process.address())) {
                clientA.setReadTimeout(Duration.ofSeconds(15)); // its echo comes after a 5 s sleep or spin
                process.awaitLine("connected (1 client)", WAIT);
                try (TestClient clientB = TestClient.connect(process.address())) {
                    clientB.setReadTimeout(Duration.ofSeconds(15)); // during A's spin its echo waits 5 s
                    process.awaitLine("connected (2 clients)", WAIT);
                    Thread.sleep(300);

                    clientA.send("sleep 5\n");
                    process.awaitLine("'sleep 5': on purpose", WAIT); // A's thread is asleep now
                    long duringSleep = typeAndWait(clientB, "anyone there?", "A's sleep 5", b);
                    clientA.readLine();
                    process.awaitLine("gave its carrier back", WAIT);
                    Thread.sleep(300);

                    clientA.send("spin 5\n");
                    process.awaitLine("'spin 5': on purpose", WAIT); // A's thread is computing now
                    long duringSpin = typeAndWait(clientB, "hello?", "A's spin 5", b);
                    clientA.readLine();
                    process.awaitLine("held its carrier", WAIT);
                    // What the README says in words: echoed at once during the sleep, after the spin during the spin.
                    assertTrue(duringSleep < 500 && duringSpin > 500, "B's echo came " + duringSleep
                            + " ms after Enter during the sleep, " + duringSpin + " ms during the spin\n" + process.transcript());
                    Thread.sleep(300);

                    boomClient = printfIntoNc(process, "x1\\nx2\\nboom\\nafter\\n", "x1\nx2\nboom\nafter\n");
                    process.awaitLine("closed after a handler failure", WAIT);
                    Thread.sleep(300);

                    clientA.send("sleep 1.5\n");
                    process.awaitLine("'sleep 1.5': on purpose", WAIT);
                    int status = stopLikeCtrlC(server, Duration.ofMillis(3000)); // the default grace is 2 s
                    assertEquals(0, status, process.transcript());
                    assertEquals("sleep 1.5\n", new String(clientA.readLine(), StandardCharsets.UTF_8), "A's echo, owed at the stop");
                    assertTrue(clientA.closedByServerWithin(Duration.ofSeconds(1)), "A was not closed by the end of the stop");
                    assertTrue(clientB.closedByServerWithin(Duration.ofSeconds(1)), "B was not closed at the stop");
                }
            }
            String log = log(server, line -> line.startsWith("Listening"), line -> line.contains("stopped"));
            // B was idle: closed at once, before A's sleep was over.
            assertTrue(log.indexOf("closed at the stop, idle") < log.indexOf("echoing: sleep 1.5"), log);
            debugSession = new DebugSession(String.join("\n", b), boomClient,
                    ServerLog.keepIfSameMoment("debug-log", shortTraces(log)));
            return debugSession;
        }
    }

    /** B types a line and waits for its echo: the echo, and how long after Enter it came. */
    private static long typeAndWait(TestClient client, String line, String during, List<String> terminal) throws Exception {
        long typed = System.nanoTime();
        client.send(line + "\n");
        String echo = new String(client.readLine(), StandardCharsets.UTF_8).stripTrailing();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - typed);
        terminal.add(String.format(Locale.ROOT, "%-15s<- typed during %s: echo after %d ms", echo, during, millis));
        return millis;
    }

    /**
     * {@code printf '...' | nc -N -w 2 localhost 8000}: the input in one write, FIN after it,
     * everything read until the server closes. The command as typed, then what nc prints.
     */
    private static String printfIntoNc(ServerProcess process, String printfArgument, String input) throws Exception {
        try (TestClient nc = TestClient.connect(process.address())) {
            nc.send(input);
            nc.shutdownOutput();
            String reply = new String(nc.readToEnd(), StandardCharsets.UTF_8);
            return "$ printf '" + printfArgument + "' | nc -N -w 2 localhost 8000\n" + reply.stripTrailing();
        }
    }

    private static final Pattern LINE_NUMBER = Pattern.compile(":\\d+\\)$");

    /** A stack trace as the README quotes it: the exception, its first frame without a line number, "...". */
    private static String shortTraces(String log) {
        List<String> shown = new ArrayList<>();
        boolean inTrace = false;
        for (String line : log.lines().toList()) {
            if (line.startsWith("\tat ")) {
                if (!inTrace) {
                    shown.add(LINE_NUMBER.matcher(line).replaceAll(")"));
                    shown.add("\t...");
                    inTrace = true;
                }
                continue;
            }
            inTrace = false;
            shown.add(line);
        }
        return String.join("\n", shown);
    }

    // ---------------------------------------------------------------- the same on --server channels

    private static final Pattern GROUP_THREAD_NUMBER = Pattern.compile("(?<=channels-)\\d+");

    /**
     * The same two clients on {@code --server channels --debug}; the README shows the warnings,
     * which go to stderr. Which group thread serves A depends on the run: its number is kept as
     * recorded. With a thread per core (two here), B is not frozen by A's spin.
     */
    private static String channelsWarnings() throws Exception {
        try (LoggedServer server = new LoggedServer(MAIN, "--server", "channels", "--debug")) {
            ServerProcess process = server.process;
            try (TestClient clientA = TestClient.connect(process.address());
                    TestClient clientB = TestClient.connect(process.address())) {
                process.awaitLine("connected (2 clients)", WAIT);
                clientA.setReadTimeout(Duration.ofSeconds(15)); // its echo comes after a 5 s sleep or spin
                clientB.setReadTimeout(Duration.ofSeconds(15));
                List<String> b = new ArrayList<>();
                clientA.send("sleep 5\n");
                process.awaitLine("'sleep 5': on purpose", WAIT);
                typeAndWait(clientB, "anyone there?", "A's sleep 5", b);
                clientA.readLine();
                process.awaitLine("blocked: no one else ran on it", WAIT);

                clientA.send("spin 5\n");
                process.awaitLine("'spin 5': on purpose", WAIT);
                long duringSpin = typeAndWait(clientB, "hello?", "A's spin 5", b);
                clientA.readLine();
                process.awaitLine("computing: no one else ran on it", WAIT);
                if (Runtime.getRuntime().availableProcessors() >= 2) {
                    assertTrue(duringSpin < 800, "B waited " + duringSpin + " ms during A's spin\n" + process.transcript());
                }
                assertEquals(0, stopLikeCtrlC(server, WAIT), process.transcript());
            }
            String actual = String.join("\n", process.stderr());
            return Measured.keepRecorded("channels-warnings", actual, GROUP_THREAD_NUMBER, false, line -> false);
        }
    }

    // ---------------------------------------------------------------- the grace, for a client mid-line

    private record GraceSession(String client, String log) {
    }

    private static GraceSession graceSession;

    /**
     * {@code (printf 'whole\nhalf a li'; sleep 5; printf 'ne\nsent after the stop\n') | nc -N -w 10 localhost 8000}
     * against a server with a 10 s grace, and Ctrl-C on the server during the sleep: the line it
     * was in the middle of is finished and echoed, the line after it is not read, the process exits
     * as soon as that client has closed.
     */
    private static GraceSession graceSession() throws Exception {
        if (graceSession != null) {
            return graceSession;
        }
        try (LoggedServer server = new LoggedServer(MAIN, "--grace-ms", "10000")) {
            ServerProcess process = server.process;
            String received;
            long signalled;
            try (TestClient nc = TestClient.connect(process.address())) {
                nc.send("whole\nhalf a li");
                received = nc.readLineText();
                Thread.sleep(1000);
                signalled = System.nanoTime();
                process.requestStop(); // Ctrl-C during the sleep
                process.awaitLine("not reading new input", WAIT);
                Thread.sleep(1000); // the rest of the sleep
                nc.send("ne\nsent after the stop\n");
                nc.shutdownOutput(); // nc -N: FIN once printf is done
                received += new String(nc.readToEnd(), StandardCharsets.UTF_8);
            }
            assertEquals("whole\nhalf a line\n", received, process.transcript());
            OptionalInt status = process.awaitExit(WAIT);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
            assertEquals(OptionalInt.of(0), status, process.transcript());
            assertTrue(millis < 5_000, "exited " + millis + " ms after Ctrl-C, with a 10 s grace\n" + process.transcript());
            process.stop();
            String client = "$ (printf 'whole\\nhalf a li'; sleep 5; printf 'ne\\nsent after the stop\\n') | nc -N -w 10 localhost 8000\n"
                    + received.stripTrailing();
            graceSession = new GraceSession(client,
                    log(server, line -> line.contains("connected"), line -> line.contains("stopped")));
            return graceSession;
        }
    }

    // ---------------------------------------------------------------- --max-clients

    /** With {@code --max-clients 2}, nc A and B connected; a third nc is told why, and closed. */
    private static String maxClients() throws Exception {
        try (LoggedServer server = new LoggedServer(MAIN, "--max-clients", "2");
                TestClient clientA = TestClient.connect(server.process.address());
                TestClient clientB = TestClient.connect(server.process.address())) {
            server.process.awaitLine("connected (2 clients)", WAIT);
            String refused;
            try (TestClient nc = TestClient.connect(server.process.address())) {
                nc.shutdownOutput(); // nc -N with no input: FIN at once
                refused = new String(nc.readToEnd(), StandardCharsets.UTF_8); // nc exits when the server closes
            }
            assertEquals(new String(Protocol.serverFullReply(2), StandardCharsets.US_ASCII), refused);
            server.process.awaitLine("refused: already serving 2 clients", WAIT);
            return "$ nc -N -w 2 localhost 8000 </dev/null\n" + refused.stripTrailing();
        }
    }

    /**
     * A server's log as a terminal shows it: stdout and stderr merged in time order. Two pipes
     * read by two threads keep no order between them, so each stamped line travels with the
     * unstamped lines that follow it on its own stream (a stack trace), and the groups are sorted
     * by stamp, ties in the order read.
     */
    static final class ServerLog {
        private static final Pattern STAMP = Pattern.compile("^(\\d{2}):(\\d{2}):(\\d{2})\\.(\\d{3})\\b");

        /** One event: a stamped line and the unstamped lines written with it. */
        private record Entry(long millis, int order, List<String> lines) {
        }

        private ServerLog() {
        }

        static String merged(List<ServerProcess.Line> recorded, int port, Predicate<String> first, Predicate<String> last) {
            List<Entry> entries = new ArrayList<>();
            Map<ServerProcess.Source, Entry> current = new EnumMap<>(ServerProcess.Source.class);
            for (int i = 0; i < recorded.size(); i++) {
                ServerProcess.Line line = recorded.get(i);
                String text = line.text().replace("127.0.0.1:" + port, "127.0.0.1:8000");
                long millis = millis(text);
                Entry open = current.get(line.source());
                if (millis < 0 && !text.startsWith("Listening on") && open != null) {
                    open.lines().add(text);
                    continue;
                }
                Entry entry = new Entry(millis, i, new ArrayList<>(List.of(text)));
                entries.add(entry);
                current.put(line.source(), entry);
            }
            entries.sort(Comparator.comparingLong(Entry::millis).thenComparingInt(Entry::order));
            List<String> shown = new ArrayList<>();
            for (Entry entry : entries) {
                String head = entry.lines().getFirst();
                if (shown.isEmpty() && !first.test(head)) {
                    continue;
                }
                shown.addAll(entry.lines());
                if (last.test(head)) {
                    break;
                }
            }
            return String.join("\n", shown);
        }

        /**
         * The README's block when {@code actual} differs from it only in the order of events
         * stamped within {@link ReadmeTranscripts#SAME_MOMENT} of each other, each event moved
         * with its stack trace; otherwise {@code actual}. (ReadmeTranscripts' own tolerance is
         * per line, and a stack trace's lines have no stamp to be tolerated by.)
         */
        static String keepIfSameMoment(String block, String actual) throws Exception {
            List<String> shown = Measured.shown(block);
            List<List<String>> left = events(shown);
            List<List<String>> right = events(actual.lines().toList());
            List<String> leftKeys = left.stream().map(ServerLog::maskedKey).toList();
            List<String> rightKeys = right.stream().map(ServerLog::maskedKey).toList();
            if (leftKeys.equals(rightKeys) || !leftKeys.stream().sorted().toList().equals(rightKeys.stream().sorted().toList())) {
                return actual;
            }
            int[] where = new int[leftKeys.size()];
            boolean[] taken = new boolean[rightKeys.size()];
            for (int i = 0; i < leftKeys.size(); i++) {
                for (int j = 0; j < rightKeys.size(); j++) {
                    if (!taken[j] && rightKeys.get(j).equals(leftKeys.get(i))) {
                        where[i] = j;
                        taken[j] = true;
                        break;
                    }
                }
            }
            long moment = ReadmeTranscripts.SAME_MOMENT.toMillis();
            for (int i = 0; i < left.size(); i++) {
                for (int j = i + 1; j < left.size(); j++) {
                    if (where[i] > where[j]
                            && !close(millis(left.get(i).getFirst()), millis(left.get(j).getFirst()), moment)
                            && !close(millis(right.get(where[i]).getFirst()), millis(right.get(where[j]).getFirst()), moment)) {
                        return actual;
                    }
                }
            }
            return String.join("\n", shown);
        }

        private static List<List<String>> events(List<String> lines) {
            List<List<String>> events = new ArrayList<>();
            for (String line : lines) {
                if (events.isEmpty() || millis(line) >= 0 || line.startsWith("Listening on")) {
                    events.add(new ArrayList<>());
                }
                events.getLast().add(line);
            }
            return events;
        }

        private static String maskedKey(List<String> event) {
            return String.join("\n", event.stream().map(ReadmeTranscripts::mask).toList());
        }

        private static boolean close(long one, long other, long moment) {
            return one >= 0 && other >= 0 && Math.abs(one - other) <= moment;
        }

        /** The stamp at the start of a line in ms of the day, or -1 if it has none. */
        private static long millis(String line) {
            Matcher stamp = STAMP.matcher(line);
            if (!stamp.find()) {
                return -1;
            }
            return ((Long.parseLong(stamp.group(1)) * 60 + Long.parseLong(stamp.group(2))) * 60
                    + Long.parseLong(stamp.group(3))) * 1000 + Long.parseLong(stamp.group(4));
        }
    }
}
