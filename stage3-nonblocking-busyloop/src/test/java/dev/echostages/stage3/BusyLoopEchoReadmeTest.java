package dev.echostages.stage3;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.demo.TwoClientDemo;
import dev.echostages.tools.testing.LoggedServer;
import dev.echostages.tools.testing.Measured;
import dev.echostages.tools.testing.ReadmeTranscripts;
import dev.echostages.tools.testing.TestClient;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The transcripts in this stage's README are what the server prints today: each marked block is
 * produced here by the real server process, driven as telnet or nc would drive it. Blocks with a
 * busy loop's speed in them keep the numbers of the run that wrote them while only those numbers
 * change ({@link Measured}). To regenerate them:
 * {@code ./mvnw -q -pl stage3-nonblocking-busyloop -am verify -Dreadme.update=true}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BusyLoopEchoReadmeTest {

    private static final String MAIN = BusyLoopEchoServer.class.getName();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void readmeTranscriptsAreWhatTheServerPrints() throws Exception {
        ReadmeTranscripts.of(Path.of("README.md"))
                .scenario("demo", BusyLoopEchoReadmeTest::demo)
                .scenario("idle-stats", BusyLoopEchoReadmeTest::idleStats)
                .scenario("telnet-and-nc", BusyLoopEchoReadmeTest::telnetAndNc)
                .scenario("contract-nc", BusyLoopEchoReadmeTest::contractClients)
                .scenario("slow-reader-log", BusyLoopEchoReadmeTest::slowReaderLog)
                .scenario("naive", BusyLoopEchoReadmeTest::naive)
                .scenario("idle-clients", BusyLoopEchoReadmeTest::idleClients)
                .verify();
    }


    /** The demo as the README's command runs it (this module's pom adds --stats-interval 1). */
    private static String demo() throws Exception {
        String output = ReadmeTranscripts.javaOutput(Duration.ofSeconds(90), TwoClientDemo.class.getName(), MAIN,
                "--stats-interval", "1");
        String actual = "$ ./mvnw -q -pl stage3-nonblocking-busyloop -am package -DskipTests exec:exec@demo\n" + output;
        // On a loaded 2-core machine the busy loop itself may wait for a core, and server lines can
        // land a few ms either side of a client's: the same lines, any order, one stats line or more.
        return Measured.keepRecorded("demo", actual, Measured.MACHINE_NUMBERS, true, line -> line.contains("stats:"));
    }

    /** Started with a stats line a second, nobody connected: three of them. */
    private static String idleStats() throws Exception {
        try (LoggedServer server = new LoggedServer(MAIN, "--stats-interval", "1")) {
            server.process.awaitLines("stats:", 3, WAIT);
            String actual = "$ ./mvnw -q -pl stage3-nonblocking-busyloop -am package -DskipTests exec:exec -Dargs=\"--stats-interval 1\"\n"
                    + server.log("Listening", "stats:").lines().filter(line -> !line.contains("stats:")).findFirst().orElseThrow() + "\n"
                    + String.join("\n", server.process.stdout().stream().filter(line -> line.contains("stats:")).limit(3).toList());
            return Measured.keepRecorded("idle-stats", actual, Measured.MACHINE_NUMBERS, false, line -> false);
        }
    }

    /**
     * Telnet (A, sends \r\n) connects first, nc (B, sends \n) second; B speaks first and is answered
     * at once, then A speaks, twice; then Ctrl-C. The two terminals side by side, then the log.
     */
    private static String telnetAndNc() throws Exception {
        try (LoggedServer server = new LoggedServer(MAIN)) {
            List<String> a = new ArrayList<>(List.of("$ telnet localhost 8000"));
            List<String> b = new ArrayList<>(List.of("$ nc localhost 8000"));
            try (TestClient telnet = TestClient.connect(server.process.address())) {
                server.process.awaitLine("connected (1 client)", WAIT);
                try (TestClient nc = TestClient.connect(server.process.address())) {
                    server.process.awaitLine("connected (2 clients)", WAIT);
                    Thread.sleep(300);
                    b.add(typedAndEcho(nc, "I connected second but speak first\n", b));
                    Thread.sleep(300);
                    a.add(typedAndEcho(telnet, "I connected first\r\n", a));
                    Thread.sleep(300);
                    a.add(typedAndEcho(telnet, "café au lait\r\n", a));
                    server.process.requestStop(); // Ctrl-C
                    server.process.awaitLine("stopped", WAIT);
                }
            }
            var text = new StringBuilder();
            for (int row = 0; row < Math.max(a.size(), b.size()); row++) {
                String left = row < a.size() ? a.get(row) : "";
                String right = row < b.size() ? b.get(row) : "";
                text.append(String.format("%-36s%s", left, right).stripTrailing()).append('\n');
            }
            return text + "\n" + server.log("connected", "stopped");
        }
    }

    /** Sends a line, adds what the terminal shows as typed to {@code column}, and returns the echo. */
    private static String typedAndEcho(TestClient client, String line, List<String> column) throws Exception {
        client.send(line);
        column.add(line.stripTrailing());
        return new String(client.readLine(), StandardCharsets.UTF_8).stripTrailing();
    }

    private static final String[] CONTRACT_COMMANDS = {
        "printf 'one\\ntwo\\nno newline at the end' | nc -N -w 2 localhost 8000",
        "(head -c 9000 /dev/zero | tr '\\0' x; echo) | nc -N -w 2 localhost 8000",
        "printf 'still here\\n' | nc -N -w 2 localhost 8000",
    };
    private static final byte[][] CONTRACT_INPUTS = {
        "one\ntwo\nno newline at the end".getBytes(StandardCharsets.US_ASCII),
        ("x".repeat(9000) + "\n").getBytes(StandardCharsets.US_ASCII),
        "still here\n".getBytes(StandardCharsets.US_ASCII),
    };
    private static String contractClients;

    /** Each command's input sent, the sending side shut (nc -N), everything read until the server closes. */
    private static void runContract() throws Exception {
        if (contractClients != null) {
            return;
        }
        try (LoggedServer server = new LoggedServer(MAIN)) {
            var clients = new StringBuilder();
            for (int i = 0; i < CONTRACT_COMMANDS.length; i++) {
                try (TestClient nc = TestClient.connect(server.process.address())) {
                    nc.send(CONTRACT_INPUTS[i]);
                    nc.shutdownOutput();
                    String reply = new String(nc.readToEnd(), StandardCharsets.UTF_8);
                    clients.append("$ ").append(CONTRACT_COMMANDS[i]).append('\n').append(reply.stripTrailing()).append('\n');
                }
                server.process.awaitLines("left)", i + 1, WAIT);
            }
            contractClients = clients.toString();
        }
    }

    private static String contractClients() throws Exception {
        runContract();
        return contractClients;
    }

    /**
     * A client that sends lines and never reads, as {@code yes ... | timeout 5 nc ... | sleep 5}
     * does once nc's output pipe is full; its small receive buffer makes the kernel's buffers fill
     * in a moment (with nc it takes megabytes). Then it is killed, as timeout kills nc: a reset.
     */
    private static String slowReaderLog() throws Exception {
        try (LoggedServer server = new LoggedServer(MAIN)) {
            InetSocketAddress address = server.process.address();
            Socket socket = new Socket();
            socket.setReceiveBufferSize(4096);
            socket.connect(address, 5000);
            byte[] lines = ("0".repeat(1000) + "\n").repeat(64).getBytes(StandardCharsets.US_ASCII);
            Thread sender = Thread.ofPlatform().daemon().start(() -> {
                try (OutputStream out = socket.getOutputStream()) {
                    while (true) {
                        out.write(lines);
                    }
                } catch (Exception stalledThenReset) {
                    // the reset below ends the writes, or they stall until then: either is the scenario
                }
            });
            server.process.awaitLine("not reading", WAIT);
            socket.setSoLinger(true, 0);
            socket.close();
            sender.join(5000);
            server.process.awaitLine("connection lost", WAIT);
            return String.join("\n", server.log("connected", "connection lost").lines()
                    .filter(line -> !line.contains("echoing:")).toList());
        }
    }

    /** The naive attempt, started as the README shows; the stack trace's line numbers are left out. */
    private static String naive() throws Exception {
        try (LoggedServer server = new LoggedServer(MAIN, "--naive")) {
            int status = server.process.awaitExit(WAIT).orElseThrow();
            server.process.stop();
            List<String> shown = new ArrayList<>(List.of(
                    "$ java -jar stage3-nonblocking-busyloop/target/stage3-nonblocking-busyloop.jar --naive"));
            boolean firstFrame = true;
            for (String line : server.log("Listening", "\u0000").lines().toList()) {
                if (line.startsWith("\tat ")) {
                    if (firstFrame) {
                        shown.add(line.replaceAll(":\\d+\\)$", ")"));
                        shown.add("\t...");
                        firstFrame = false;
                    }
                    continue;
                }
                shown.add(line);
            }
            shown.add("$ echo $?");
            shown.add(Integer.toString(status));
            return String.join("\n", shown);
        }
    }

    private static final Pattern STATS = Pattern.compile("stats: ([\\d,]+) loop passes/s, loop thread busy (\\d+)% of a core, (\\d+) client");

    /** One server, 0, 10, 100 then 1,000 idle connections: the loop passes in the second stats line of each. */
    private static String idleClients() throws Exception {
        int[] counts = {0, 10, 100, 1000};
        List<SocketChannel> idle = new ArrayList<>();
        var table = new StringBuilder(String.format("%12s  %13s  %26s%n", "idle clients", "loop passes/s", "read() calls/s finding nothing"));
        long passesAtZero = 0;
        long passesAtMost = 0;
        try (LoggedServer server = new LoggedServer(MAIN, "--stats-interval", "1")) {
            for (int clients : counts) {
                while (idle.size() < clients) {
                    idle.add(SocketChannel.open(server.process.address()));
                }
                String suffix = clients == 1 ? " client" : " clients";
                List<String> stats = server.process.awaitLines(", " + clients + suffix, 2, WAIT);
                Matcher second = STATS.matcher(stats.get(1));
                assertTrue(second.find(), stats.get(1));
                long passes = Long.parseLong(second.group(1).replace(",", ""));
                if (clients == 0) {
                    passesAtZero = passes;
                }
                passesAtMost = passes;
                table.append(String.format(Locale.ROOT, "%,12d  %,13d  %,26d%n", clients, passes, passes * clients));
            }
        } finally {
            for (SocketChannel channel : idle) {
                channel.close();
            }
        }
        assertTrue(passesAtMost < passesAtZero, "1,000 idle clients should slow the loop down: " + table);
        return Measured.keepRecorded("idle-clients", table.toString(), Pattern.compile("(?<=\\S\\s{2}).*"), false, line -> false);
    }
}
