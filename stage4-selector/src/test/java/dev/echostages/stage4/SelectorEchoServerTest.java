package dev.echostages.stage4;

import dev.echostages.common.Addresses;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.common.testing.LogRecorder;
import dev.echostages.tools.testing.RunningServer;
import dev.echostages.tools.testing.ThreadCpu;
import dev.echostages.tools.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lessons of stage 4, proved against the real server over loopback. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SelectorEchoServerTest {

    /** "Almost no CPU" per idle second; a selector that spins burns close to 1000 ms of it. */
    private static final long IDLE_CPU_BUDGET_MS = 50;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static RunningServer start(String... args) throws IOException {
        return RunningServer.start(SelectorEchoServer.commandLine(), SelectorEchoServer::new, args);
    }

    /** CPU time the server's loop thread uses during one second of wall time, measured as stage 3's tests do. */
    private static long loopCpuMillisOverOneSecond(RunningServer server) throws InterruptedException {
        return Math.round(ThreadCpu.oneSecond(server.thread()).cpu() * 1000);
    }

    /**
     * A client with a small receive window, set before connecting: the kernel buffers between it
     * and the server fill after a few MiB (the server's send buffer grows to 4 MiB at most,
     * net.ipv4.tcp_wmem) instead of tens of MiB, so that sending 8 MB without reading leaves the
     * server with echo it cannot write.
     */
    private static Socket slowReader(RunningServer server) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4 * 1024);
        socket.connect(server.address(), 5_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** Runs a blocking client-side task on a thread of its own (the common pool may have one thread only). */
    private static CompletableFuture<Void> inBackground(Runnable task) {
        return CompletableFuture.runAsync(task, runnable -> Thread.ofPlatform().daemon().start(runnable));
    }

    /** {@code count} lines of 8000 bytes each: long lines keep the log short when it is on. */
    private static byte[] longLines(int count) {
        byte[] payload = new byte[count * 8000];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (i % 8000 == 7999) ? (byte) '\n' : (byte) ('a' + i % 26);
        }
        return payload;
    }

    @Test
    void selectorIdlesWithoutCpuAlsoAfterASlowReaderDrainedAndAClientLeft() throws Exception {
        try (RunningServer server = start();
                TestClient silent = server.connect();
                Socket slowReader = slowReader(server)) {
            try (TestClient leaver = server.connect()) {
                leaver.send("bye\n");
                assertArrayEquals(bytes("bye\n"), leaver.readLine());
            } // its socket now reads as "ready, end of stream" until the server closes it
            silent.send("hi\n");
            assertArrayEquals(bytes("hi\n"), silent.readLine());
            Thread.sleep(200);
            long idle = loopCpuMillisOverOneSecond(server);
            assertTrue(idle < IDLE_CPU_BUDGET_MS, "loop used " + idle + " ms of CPU in an idle second");

            // Sent without reading: the server ends up holding echo it cannot write, registers
            // OP_WRITE and stops reading. Then the client reads it all; once the echo has drained
            // the server must drop OP_WRITE again, or every select() returns at once.
            byte[] payload = longLines(1024);
            var writer = inBackground(() -> {
                try {
                    slowReader.getOutputStream().write(payload);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            server.log().await("not reading:", Duration.ofSeconds(10));
            assertArrayEquals(payload, slowReader.getInputStream().readNBytes(payload.length));
            writer.get(10, TimeUnit.SECONDS);
            Thread.sleep(200);
            long afterDrain = loopCpuMillisOverOneSecond(server);
            assertTrue(afterDrain < IDLE_CPU_BUDGET_MS,
                    "loop used " + afterDrain + " ms of CPU in an idle second after a slow reader drained (OP_WRITE left on?)");
        }
    }

    @Test
    void slowReaderPausesReadingAboveTheHighMarkAndResumesBelowTheLowMark() throws Exception {
        try (RunningServer server = start();
                Socket slowReader = slowReader(server)) {
            byte[] payload = longLines(1024);
            var writer = inBackground(() -> {
                try {
                    slowReader.getOutputStream().write(payload);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            String paused = server.log().await("not reading:", Duration.ofSeconds(10));
            Matcher held = Pattern.compile(" (\\d+) KiB of echo unsent").matcher(paused);
            assertTrue(held.find(), paused);
            // Above 64 KiB, but never more than one read (16 KiB) and one line (8 KiB) above it.
            int kib = Integer.parseInt(held.group(1));
            assertTrue(kib >= 64 && kib <= 64 + 16 + 8, "held " + kib + " KiB when it paused");

            assertArrayEquals(payload, slowReader.getInputStream().readNBytes(payload.length));
            writer.get(10, TimeUnit.SECONDS);
            assertTrue(server.log().contains("reading again"), "never resumed reading");
        }
    }

    @Test
    void anotherClientIsServedPromptlyWhileOneFloods() throws Exception {
        try (RunningServer server = start("--quiet");
                TestClient busy = server.connect();
                TestClient other = server.connect()) {
            AtomicBoolean flooding = new AtomicBoolean(true);
            byte[] block = longLines(32);
            // The busy client writes as fast as it can and reads its echoes as fast as it can, so
            // its socket is never empty: a loop that read it "until there is nothing left" would
            // never come back to anyone else.
            var writer = inBackground(() -> {
                try {
                    while (flooding.get()) {
                        busy.send(block);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            var reader = inBackground(() -> {
                try {
                    InputStream in = busy.input();
                    byte[] sink = new byte[64 * 1024];
                    while (flooding.get() && in.read(sink) >= 0) {
                        // discard: only the other client's latency matters here
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(200); // let the flood start
            long worstMillis = 0;
            for (int i = 0; i < 20; i++) {
                long sent = System.nanoTime();
                other.send("ping " + i + "\n");
                assertArrayEquals(bytes("ping " + i + "\n"), other.readLine());
                worstMillis = Math.max(worstMillis, (System.nanoTime() - sent) / 1_000_000);
            }
            flooding.set(false);
            assertFalse(writer.isCompletedExceptionally() || reader.isCompletedExceptionally(), "the flood failed");
            // Served within milliseconds in practice; a second leaves room for a loaded machine.
            assertTrue(worstMillis < 1_000, "the other client waited " + worstMillis + " ms behind the busy one");
        }
    }

    @Test
    void readyClientsTakeTurnsOfAtMostOneReadEach() throws Exception {
        try (RunningServer server = start("--debug");
                TestClient sleeper = server.connect();
                TestClient first = server.connect();
                TestClient second = server.connect()) {
            // 40 lines of 1000 bytes each, for two clients, queued in the kernel while the loop
            // is held up on purpose: when it wakes, both sockets hold far more than one read.
            byte[] lines = new byte[40 * 1000];
            for (int i = 0; i < lines.length; i++) {
                lines[i] = (i % 1000 == 999) ? (byte) '\n' : (byte) ('0' + i / 1000 % 10);
            }
            sleeper.send("sleep 0.5\n");
            server.log().await("holding the event loop", Duration.ofSeconds(5)); // logged as the sleep starts
            first.send(lines);
            second.send(lines);
            assertArrayEquals(lines, first.readExactly(lines.length));
            assertArrayEquals(lines, second.readExactly(lines.length));

            // The order of the echo lines in the log is the order the loop served them in.
            String firstAddress = Addresses.of(first.socket().getLocalSocketAddress()) + " echoing: ";
            String secondAddress = Addresses.of(second.socket().getLocalSocketAddress()) + " echoing: ";
            List<String> turns = server.log().lines().stream()
                    .filter(l -> l.contains(firstAddress) || l.contains(secondAddress))
                    .map(l -> l.contains(firstAddress) ? "1" : "2")
                    .toList();
            assertEquals(80, turns.size());
            int longestRun = 0;
            for (int i = 0, run = 0; i < turns.size(); i++) {
                run = (i > 0 && turns.get(i).equals(turns.get(i - 1))) ? run + 1 : 1;
                longestRun = Math.max(longestRun, run);
            }
            // One read is 16 KiB: 16 whole lines and a piece, so at most 17 lines complete in one
            // turn. A loop that read a client until it had nothing left would serve all 40 at once.
            assertTrue(longestRun <= 17, "one client was served " + longestRun + " lines in a row: " + String.join("", turns));
        }
    }

    @Test
    void blockingHandlerFreezesEveryOtherClientAndDebugModeNamesIt() throws Exception {
        try (RunningServer server = start("--debug", "--slow-callback-ms", "100");
                TestClient culprit = server.connect();
                TestClient bystander = server.connect()) {
            bystander.send("before\n");
            assertArrayEquals(bytes("before\n"), bystander.readLine());

            culprit.send("sleep 0.8\n");
            server.log().await("holding the event loop", Duration.ofSeconds(5)); // the loop is now asleep in the culprit's handler
            long sent = System.nanoTime();
            bystander.send("anyone there?\n");
            assertArrayEquals(bytes("anyone there?\n"), bystander.readLine());
            long waitedMillis = (System.nanoTime() - sent) / 1_000_000;
            assertTrue(waitedMillis >= 500, "the bystander waited only " + waitedMillis + " ms");
            assertArrayEquals(bytes("sleep 0.8\n"), culprit.readLine(), "the culprit's line is echoed too");

            String warning = server.log().await("held the event loop", Duration.ofSeconds(2));
            assertTrue(warning.contains(Addresses.of(culprit.socket().getLocalSocketAddress())),
                    "the warning names the culprit: " + warning);
            Matcher took = Pattern.compile("held the event loop (\\d+) ms").matcher(warning);
            assertTrue(took.find(), warning);
            assertTrue(Long.parseLong(took.group(1)) >= 800, warning);
            String bystanderAddress = Addresses.of(bystander.socket().getLocalSocketAddress());
            assertFalse(server.log().lines().stream().anyMatch(l -> l.contains("held the event loop") && l.contains(bystanderAddress)),
                    "the bystander was blamed");
        }
    }

    @Test
    void withoutDebugASleepLineIsJustALineAndNothingIsTimed() throws Exception {
        try (RunningServer server = start();
                TestClient client = server.connect()) {
            client.send("sleep 3\n");
            client.setReadTimeout(Duration.ofSeconds(2)); // far less than the 3 s it asks for
            assertArrayEquals(bytes("sleep 3\n"), client.readLine());
            assertFalse(server.log().contains("held the event loop"), "slow-handler warning without --debug");
            assertFalse(server.log().contains("holding the event loop"), "honoured sleep without --debug");
        }
    }

    @Test
    void stopBeforeServeFreesThePort() throws Exception {
        var server = new SelectorEchoServer(SelectorEchoServer.commandLine().parse("--port", "0", "--quiet"), new LogRecorder(true).log());
        InetSocketAddress address = server.localAddress();
        server.stop(); // serve() never ran, so no loop is there to close the listener
        try (var again = new java.net.ServerSocket()) {
            again.bind(address); // "Address already in use" while the listener is left open
        }
    }

    @Test
    void idleTicksShowTheLoopAsleepInTheKernelAndAreOffByDefault() throws Exception {
        try (RunningServer ticking = start("--idle-ticks")) {
            ticking.log().await("select() found no events", Duration.ofSeconds(3));
        }
        try (RunningServer silent = start()) {
            Thread.sleep(1_300);
            assertFalse(silent.log().contains("select() found no events"), "ticks without --idle-ticks");
        }
    }

    @Test
    void stopWakesTheSelectorAndClosesEveryClient() throws Exception {
        try (RunningServer server = start();
                TestClient talker = server.connect();
                TestClient midLine = server.connect()) {
            talker.send("hello\n");
            assertArrayEquals(bytes("hello\n"), talker.readLine());
            midLine.send("half a li");
            server.log().await(l -> l.contains("connected (2 clients)"), Duration.ofSeconds(5));

            // The loop thread is asleep in select() with no timeout: only wakeup() can end it.
            server.server().stop();
            server.thread().join(2_000);
            assertFalse(server.thread().isAlive(), "serve() still running 2 s after stop()");
            assertTrue(talker.closedByServerWithin(Duration.ofSeconds(2)));
            assertTrue(midLine.closedByServerWithin(Duration.ofSeconds(2)));
            assertTrue(server.log().contains("closed by server shutdown (0 clients left)"), String.join("\n", server.log().lines()));
            assertTrue(server.log().contains("stop: listener closed"), String.join("\n", server.log().lines()));
            server.server().stop(); // idempotent
        }
    }

    @Test
    void telnetStyleSessionIsLoggedWithTheClientAddress() throws Exception {
        try (RunningServer server = start();
                TestClient client = server.connect()) {
            client.send("hello\r\n");
            assertArrayEquals(bytes("hello\r\n"), client.readLine());
            client.shutdownOutput();
            assertEquals(0, client.readToEnd().length);
            String who = Addresses.of(client.socket().getLocalSocketAddress());
            server.log().await(who + " disconnected", Duration.ofSeconds(2));
            List<String> lines = server.log().lines();
            assertTrue(lines.stream().anyMatch(l -> l.contains(who + " connected")), String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(l -> l.contains(who + " echoing: hello\\r\\n")), String.join("\n", lines));
        }
    }

    @Test
    void quietLogsNoEventsButStillEchoes() throws Exception {
        try (RunningServer server = start("--quiet");
                TestClient client = server.connect()) {
            client.send("shh\n");
            assertArrayEquals(bytes("shh\n"), client.readLine());
            assertEquals(List.of(), server.log().lines());
        }
    }

    @Test
    void linesOfManyReadsAndManyLinesPerReadAreEchoedInOrder() throws Exception {
        // Bigger than one read (16 KiB) and with a line straddling every read boundary.
        var sent = new ByteArrayOutputStream();
        for (int i = 0; sent.size() < 200_000; i++) {
            sent.write(bytes("line " + i + " " + "x".repeat(i % 97) + "\n"));
        }
        byte[] payload = sent.toByteArray();
        try (RunningServer server = start("--quiet");
                TestClient client = server.connect()) {
            var writer = inBackground(() -> {
                try {
                    client.send(payload);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] received = client.readExactly(payload.length);
            writer.get(10, TimeUnit.SECONDS);
            assertTrue(Arrays.equals(payload, received), "echo differs");
        }
    }
}
