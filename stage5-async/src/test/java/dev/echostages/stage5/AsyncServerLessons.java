package dev.echostages.stage5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.echostages.common.Protocol;
import dev.echostages.common.ServerProcess;
import dev.echostages.common.testing.RunningServer;
import dev.echostages.common.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lessons of stage 5 that both servers must prove: a thousand clients at once, a failure in
 * one client's handler that touches nobody else, and a graceful stop, in this JVM and through a
 * real process receiving SIGTERM. A subclass names its server ({@code --server virtual} or
 * {@code --server channels}); the shared contract suites are subclassed separately.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class AsyncServerLessons {

    /** The {@code --server} value: "virtual" or "channels". */
    protected abstract String serverName();

    /** Starts this server in-process on 127.0.0.1 and a free port, with {@code args} added. */
    protected RunningServer start(String... args) throws IOException {
        String[] all = Stream.concat(Stream.of("--server", serverName()), Arrays.stream(args)).toArray(String[]::new);
        return RunningServer.start(AsyncEchoServer.commandLine(), AsyncEchoServer.factory(), all);
    }

    /**
     * Starts {@code AsyncEchoServer} as a real process on a free port, the way a user starts it,
     * for the lessons that need one: a signal, or a JVM of its own.
     */
    protected static ServerProcess startProcess(String... args) throws IOException {
        String[] all = Stream.concat(Stream.of("--port", "0"), Arrays.stream(args)).toArray(String[]::new);
        return ServerProcess.java(AsyncEchoServer.class.getName(), all).start();
    }

    protected static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- a thousand clients at once

    @Test
    void thousandSimultaneousConnectionsEachGetTheirEcho() throws Exception {
        int clients = 1000;
        // Each connection costs this JVM two file descriptors (the client's socket and the
        // server's), so 1,000 clients need about 2,000 plus the JVM's own few hundred. The limit
        // here is `ulimit -n` = 20000; on a machine with less the test is skipped, not failed.
        long fileLimit = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getMaxFileDescriptorCount();
        assumeTrue(fileLimit >= 2L * clients + 1000, "ulimit -n is " + fileLimit + ", too low for " + clients + " clients");

        List<TestClient> crowd = new ArrayList<>(clients);
        try (RunningServer server = start("--quiet")) {
            try {
                // Everybody connects and speaks before anybody listens for the answer: all 1,000
                // conversations are open at the same moment.
                for (int i = 0; i < clients; i++) {
                    TestClient client = server.connect();
                    crowd.add(client);
                    client.send("client " + i + " says hello\r\n");
                }
                for (int i = 0; i < clients; i++) {
                    assertArrayEquals(bytes("client " + i + " says hello\r\n"), crowd.get(i).readLine(), "client " + i);
                }
            } finally {
                for (TestClient client : crowd) {
                    client.close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- errors inside tasks

    @Test
    void boomFailsOnlyThatClientAndIsLoggedWithItsAddressAndStackTrace() throws Exception {
        List<TestClient> others = new ArrayList<>();
        try (RunningServer server = start()) {
            try {
                for (int i = 0; i < 20; i++) {
                    TestClient other = server.connect();
                    others.add(other);
                    other.send("before " + i + "\n");
                    assertArrayEquals(bytes("before " + i + "\n"), other.readLine());
                }
                try (TestClient victim = server.connect()) {
                    victim.send("hello\n");
                    assertArrayEquals(bytes("hello\n"), victim.readLine());
                    victim.send("boom\r\n");
                    assertTrue(victim.closedByServerWithin(Duration.ofSeconds(5)), "the failing client was not closed");

                    // The server's view of this client's address is the client's local address.
                    String address = victim.socket().getLocalSocketAddress().toString();
                    String error = server.log().await(
                            line -> line.contains("ERROR") && line.contains(address) && line.contains("boom"),
                            Duration.ofSeconds(5));
                    assertTrue(error.contains("\tat "), "no stack trace in the error:\n" + error);
                }
                // Twenty other clients, connected all along, never noticed.
                for (int i = 0; i < others.size(); i++) {
                    others.get(i).send("after " + i + "\n");
                    assertArrayEquals(bytes("after " + i + "\n"), others.get(i).readLine(), "client " + i);
                }
                try (TestClient newcomer = server.connect()) {
                    newcomer.send("new here\n");
                    assertArrayEquals(bytes("new here\n"), newcomer.readLine());
                }
            } finally {
                for (TestClient other : others) {
                    other.close();
                }
            }
        }
    }

    @Test
    void onlyTheExactLineBoomFails() throws Exception {
        try (RunningServer server = start(); TestClient client = server.connect()) {
            for (String line : List.of("boom!\n", "kaboom\n", "boom boom\r\n", "BOOM\n", " boom\n")) {
                client.send(line);
                assertArrayEquals(bytes(line), client.readLine());
            }
            client.send("bo");
            Thread.sleep(50);
            client.send("om\n"); // the magic line split across two writes is still the magic line
            assertTrue(client.closedByServerWithin(Duration.ofSeconds(5)));
        }
    }

    // ---------------------------------------------------------------- the client limit

    @Test
    void clientOverTheLimitIsToldTheServerIsFullAndAFreedPlaceIsTakenAgain() throws Exception {
        try (RunningServer server = start("--max-clients", "2");
                TestClient first = server.connect();
                TestClient second = server.connect()) {
            first.send("one\n");
            assertArrayEquals(bytes("one\n"), first.readLine());
            second.send("two\n");
            assertArrayEquals(bytes("two\n"), second.readLine());
            try (TestClient third = server.connect()) {
                assertArrayEquals(Protocol.serverFullReply(2), third.readLine());
                assertTrue(third.closedByServerWithin(Duration.ofSeconds(5)), "refused client left open");
            }
            server.log().await(line -> line.contains("WARN") && line.contains("refused"), Duration.ofSeconds(5));

            first.close();
            // The place is freed a moment after the first client leaves: once the virtual server's
            // thread for it has finished, once the channels server has seen its FIN. Until then a
            // newcomer is still refused, so try again until served, within a deadline.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                try (TestClient later = server.connect()) {
                    later.send("three\n");
                    byte[] answer = later.readLine();
                    if (Arrays.equals(Protocol.serverFullReply(2), answer) && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                        continue;
                    }
                    assertArrayEquals(bytes("three\n"), answer);
                    break;
                }
            }
        }
    }

    // ---------------------------------------------------------------- graceful stop, in this JVM

    @Test
    void gracefulStopRefusesNewcomersFinishesTheBusyClientAndClosesTheIdleOneByTheDeadline() throws Exception {
        long graceMillis = 1000;
        try (RunningServer server = start("--grace-ms", Long.toString(graceMillis));
                TestClient busy = server.connect();
                TestClient idle = server.connect()) {
            idle.send("just saying hi\n");
            assertArrayEquals(bytes("just saying hi\n"), idle.readLine()); // served, then silent
            busy.send("one\n");
            assertArrayEquals(bytes("one\n"), busy.readLine());
            // Mid-conversation: two lines sent, their echoes not read yet when the stop begins.
            busy.send("two\nthree\n");

            long stopStarted = System.nanoTime();
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> server.server().stop());

            assertRefusedSoon(server.address(), Duration.ofMillis(500));

            assertArrayEquals(bytes("two\n"), busy.readLine());
            assertArrayEquals(bytes("three\n"), busy.readLine());
            Duration byTheDeadline = Duration.ofMillis(graceMillis + 1500);
            assertTrue(busy.closedByServerWithin(byTheDeadline), "busy client not closed after its echoes");
            assertTrue(idle.closedByServerWithin(byTheDeadline), "idle client not closed by the deadline");

            stop.get(graceMillis + 3000, TimeUnit.MILLISECONDS);
            long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopStarted);
            assertTrue(stopMillis < graceMillis + 1500, "stop() took " + stopMillis + " ms with a " + graceMillis + " ms grace");
        }
    }

    @Test
    void graceIsOneDeadlineForAllClientsNotOnePerClient() throws Exception {
        long graceMillis = 500;
        List<TestClient> idlers = new ArrayList<>();
        try (RunningServer server = start("--quiet", "--grace-ms", Long.toString(graceMillis))) {
            try {
                for (int i = 0; i < 20; i++) {
                    TestClient idler = server.connect();
                    idlers.add(idler);
                    idler.send("hi\n");
                    idler.readLine();
                }
                long started = System.nanoTime();
                server.server().stop();
                long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                // Waiting the grace for each client in turn, as the book does, would take 20 x 500 ms.
                assertTrue(stopMillis < graceMillis + 1500, "stop() took " + stopMillis + " ms for 20 idle clients");
                for (TestClient idler : idlers) {
                    assertTrue(idler.closedByServerWithin(Duration.ofSeconds(2)), "an idle client was left open");
                }
            } finally {
                for (TestClient idler : idlers) {
                    idler.close();
                }
            }
        }
    }

    @Test
    void stopCanBeCalledAgainAndReturns() throws Exception {
        try (RunningServer server = start("--grace-ms", "200")) {
            server.server().stop();
            server.server().stop(); // RunningServer.close() calls it a third time
        }
    }

    /** Connects until the kernel refuses (the listener is closed); fails if that takes longer than {@code within}. */
    private static void assertRefusedSoon(InetSocketAddress address, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(address, 1000);
            } catch (ConnectException refused) {
                return;
            }
            Thread.sleep(10); // the stop has not reached the listener yet
        }
        fail("new connections were still accepted " + within.toMillis() + " ms after stop()");
    }

    // ---------------------------------------------------------------- graceful stop, real process

    /**
     * SIGTERM to the real process while an echo is in flight: the echo still arrives and the
     * process exits with status 0 within the grace.
     *
     * <p>How the echo is made to be "in flight" for sure: the client writes a 32 MiB batch of
     * lines and reads nothing. Soon every buffer on the way is full (the client's receive buffer,
     * the server's send buffer) and the server is stuck writing an echo, with more lines waiting
     * unread in its receive buffer; the client's writer stops making progress. We wait until it
     * has made none for 300 ms, and only then send SIGTERM. Then the client starts reading: every
     * byte must come back, the client finishes its batch and half-closes, the server sees EOF,
     * finishes, and the process exits, well before the grace is over.
     */
    @Test
    void inFlightEchoSurvivesSigterm() throws Exception {
        int graceMillis = 3000;
        int total = 32 * 1024 * 1024;
        byte[] payload = new byte[total];
        for (int i = 0; i < total; i++) {
            payload[i] = (i % 100 == 99) ? (byte) '\n' : (byte) ('a' + i % 26);
        }
        try (ServerProcess process = startProcess("--server", serverName(), "--quiet",
                        "--grace-ms", Integer.toString(graceMillis));
                TestClient client = TestClient.connect(new InetSocketAddress("127.0.0.1", process.port()))) {
            Socket socket = client.socket();
            AtomicLong written = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (int offset = 0; offset < total; offset += 64 * 1024) {
                        int length = Math.min(64 * 1024, total - offset);
                        out.write(payload, offset, length);
                        written.addAndGet(length);
                    }
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            long last = -1;
            long stallDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (written.get() != last && System.nanoTime() < stallDeadline) {
                last = written.get();
                Thread.sleep(300);
            }
            assertFalse(writer.isDone(), "the pipe never filled up: no echo was in flight");
            System.out.println(serverName() + ": writer stalled after " + written.get() + " of " + total
                    + " bytes; sending SIGTERM");

            long signalled = System.nanoTime();
            process.requestStop(); // SIGTERM

            InputStream in = client.input();
            ByteArrayOutputStream received = new ByteArrayOutputStream(total);
            byte[] chunk = new byte[256 * 1024];
            int n;
            while ((n = in.read(chunk)) >= 0) {
                received.write(chunk, 0, n);
            }
            writer.get(10, TimeUnit.SECONDS);
            assertEquals(total, received.size(), "bytes echoed after SIGTERM\n" + process.transcript());
            assertTrue(Arrays.equals(payload, received.toByteArray()), "the echo differs from what was sent");

            OptionalInt status = process.awaitExit(Duration.ofMillis(graceMillis + 2000));
            assertTrue(status.isPresent(), "the process did not exit\n" + process.transcript());
            long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
            assertEquals(0, status.getAsInt(), "exit status\n" + process.transcript());
            assertTrue(exitMillis < graceMillis + 2000, "exited " + exitMillis + " ms after SIGTERM");
        }
    }
}
