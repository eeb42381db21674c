package dev.echostages.tools.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a server that serves clients concurrently (stages 3, 4 and 5) must also prove: many clients
 * at once, byte-exact; no client held up by another; memory bounded against a client that never
 * reads; and abrupt endings that touch only the client they belong to.
 *
 * <p>Both suites also run against the two reference servers in the benchmarks module
 * (thread-per-connection and Netty): servers known to be right, so a failure here points at the
 * stage, not at the test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class ConcurrentEchoContractTest {

    private final ServerRecipe recipe;

    protected ConcurrentEchoContractTest(ServerRecipe recipe) {
        this.recipe = recipe;
    }

    protected RunningServer server;
    private ExecutorService clients;

    @BeforeEach
    void startServer() throws IOException {
        server = recipe.start("--quiet"); // 50 clients' log lines would bury a failure's report
        clients = Executors.newFixedThreadPool(64);
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        clients.shutdownNow();
        server.close();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void fiftyConcurrentClientsEachGetTheirOwnBytesBackIncludingSplitLines() throws Exception {
        List<Future<?>> conversations = new ArrayList<>();
        for (int id = 0; id < 50; id++) {
            int clientId = id;
            conversations.add(clients.submit((Callable<Void>) () -> {
                try (TestClient client = server.connect()) {
                    for (int n = 0; n < 20; n++) {
                        byte[] line = bytes("client " + clientId + " line " + n + " é\r\n");
                        if (n % 3 == 0) {
                            // Split in the middle of the two-byte "é": the server must not care.
                            int cut = line.length - 3;
                            client.send(Arrays.copyOfRange(line, 0, cut));
                            Thread.sleep(5);
                            client.send(Arrays.copyOfRange(line, cut, line.length));
                        } else {
                            client.send(line);
                        }
                        assertArrayEquals(line, client.readLine(), "client " + clientId + " line " + n);
                    }
                }
                return null;
            }));
        }
        for (Future<?> conversation : conversations) {
            conversation.get(45, TimeUnit.SECONDS);
        }
    }

    @Test
    void idleClientDoesNotDelayTheOthers() throws Exception {
        try (TestClient silent = server.connect();
                TestClient halfLine = server.connect();
                TestClient talker = server.connect()) {
            halfLine.send("a line that never ends");
            for (int i = 0; i < 10; i++) {
                talker.send("ping " + i + "\n");
                // A generous bound: the point is "not stalled until the silent client speaks".
                talker.setReadTimeout(java.time.Duration.ofSeconds(2));
                assertArrayEquals(bytes("ping " + i + "\n"), talker.readLine());
            }
            silent.send("finally\n");
            assertArrayEquals(bytes("finally\n"), silent.readLine());
        }
    }

    @Test
    void clientThatNeverReadsCannotMakeTheServerHoldUnboundedData() throws Exception {
        // 64 MiB of lines: more than every kernel buffer between the two ends can hold (the
        // receive buffer autotunes up to net.ipv4.tcp_rmem's maximum, 32 MiB here), so the writer
        // can only finish if the server itself swallows the difference.
        int total = 64 * 1024 * 1024;
        byte[] payload = new byte[total];
        for (int i = 0; i < total; i++) {
            payload[i] = (i % 100 == 99) ? (byte) '\n' : (byte) ('a' + i % 26);
        }
        try (TestClient client = server.connect()) {
            Socket socket = client.socket();
            AtomicLong written = new AtomicLong();
            Future<?> writer = clients.submit((Callable<Void>) () -> {
                OutputStream out = socket.getOutputStream();
                for (int offset = 0; offset < total; offset += 64 * 1024) {
                    out.write(payload, offset, Math.min(64 * 1024, total - offset));
                    written.set(offset + Math.min(64 * 1024, total - offset));
                }
                socket.shutdownOutput();
                return null;
            });

            // Wait until the writer makes no progress for half a second: the pipe is full.
            long last = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (written.get() != last && System.nanoTime() < deadline) {
                last = written.get();
                Thread.sleep(500);
            }
            assertFalse(writer.isDone(), "the server took all " + total + " bytes from a client that reads nothing");
            assertTrue(written.get() < 48L * 1024 * 1024, "the writer got " + written.get() + " bytes out");

            // Now read: every byte comes back, in order, and the writer finishes.
            InputStream in = client.input();
            ByteArrayOutputStream received = new ByteArrayOutputStream(total);
            byte[] chunk = new byte[256 * 1024];
            int n;
            while (received.size() < total && (n = in.read(chunk)) >= 0) {
                received.write(chunk, 0, n);
            }
            writer.get(20, TimeUnit.SECONDS);
            assertEquals(total, received.size(), "bytes echoed");
            assertTrue(Arrays.equals(payload, received.toByteArray()), "echo differs from what was sent");
        }
    }

    @Test
    void partialLinesCostWhatClientsSentNotTheLineLimit() throws Exception {
        // 150 clients, one byte each, under the largest --max-line the option accepts (64 MiB):
        // a buffer sized by the limit would need 9.4 GiB and end in OutOfMemoryError. Sized by
        // the data, it is a few KiB.
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        List<TestClient> crowd = new ArrayList<>();
        try (RunningServer roomy = recipe.start("--quiet", "--max-line", String.valueOf(64 * 1024 * 1024))) {
            memory.gc();
            long before = memory.getHeapMemoryUsage().getUsed();
            for (int i = 0; i < 150; i++) {
                TestClient client = roomy.connect();
                crowd.add(client);
                client.send("x");
            }
            // The end of each line proves the server held its first byte all along.
            for (TestClient client : crowd) {
                client.send("\n");
                assertArrayEquals(bytes("x\n"), client.readLine());
            }
            memory.gc();
            long grownMiB = (memory.getHeapMemoryUsage().getUsed() - before) / (1024 * 1024);
            assertTrue(grownMiB < 64, "the heap grew by " + grownMiB + " MiB for 150 bytes of partial lines");
        } finally {
            for (TestClient client : crowd) {
                client.close();
            }
        }
    }

    @Test
    void manyConnectionsClosingAtOnceLeaveTheServerServing() throws Exception {
        List<TestClient> crowd = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                TestClient client = server.connect();
                crowd.add(client);
                client.send("hello " + i + "\n");
            }
            for (int i = 0; i < crowd.size(); i++) {
                assertArrayEquals(bytes("hello " + i + "\n"), crowd.get(i).readLine());
            }
        } finally {
            // Half leave politely (FIN), half crash (RST), all in the same instant.
            for (int i = 0; i < crowd.size(); i++) {
                if (i % 2 == 0) {
                    crowd.get(i).close();
                } else {
                    crowd.get(i).reset();
                }
            }
        }
        try (TestClient next = server.connect()) {
            next.send("anyone home?\n");
            assertArrayEquals(bytes("anyone home?\n"), next.readLine());
        }
    }

    @Test
    void resetsInTheMiddleOfLinesDoNotDisturbAConversationInProgress() throws Exception {
        try (TestClient steady = server.connect()) {
            for (int round = 0; round < 20; round++) {
                try (TestClient crashing = server.connect()) {
                    crashing.send("half of a line from " + round);
                    steady.send("steady " + round + "\n");
                    crashing.reset();
                }
                assertArrayEquals(bytes("steady " + round + "\n"), steady.readLine());
            }
        }
        try (TestClient next = server.connect()) {
            next.send("after twenty resets\n");
            assertArrayEquals(bytes("after twenty resets\n"), next.readLine());
        }
    }
}
