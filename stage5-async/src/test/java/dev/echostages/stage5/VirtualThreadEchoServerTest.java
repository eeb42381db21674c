package dev.echostages.stage5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.common.Protocol;
import dev.echostages.common.testing.RunningServer;
import dev.echostages.common.testing.TestClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The stage 5 lessons against the virtual-thread server ({@code --server virtual}), plus the two
 * that only it has: one OS thread can carry every client, and the client limit.
 */
class VirtualThreadEchoServerTest extends AsyncServerLessons {
    @Override
    protected String serverName() {
        return "virtual";
    }

    /**
     * With {@code --carriers 1} one OS thread runs every virtual thread, like asyncio's single
     * event loop, and still twenty clients talking at the same time are all served. This needs a
     * fresh process: the scheduler's size is fixed when the JVM creates its first virtual thread,
     * and this test JVM made its own long ago.
     */
    @Test
    void oneCarrierThreadServesEveryClientWithCarriersOne() throws Exception {
        int count = 20;
        try (ServerProcess process = ServerProcess.start("--server", "virtual", "--carriers", "1")) {
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    TestClient client = TestClient.connect(new InetSocketAddress("127.0.0.1", process.port()));
                    clients.add(client);
                    client.send("client " + i + "\n");
                }
                for (int i = 0; i < count; i++) {
                    assertArrayEquals(bytes("client " + i + "\n"), clients.get(i).readLine());
                }
            } finally {
                for (TestClient client : clients) {
                    client.close();
                }
            }
            // "connected, served by VirtualThread[#31,client-2]/runnable@ForkJoinPool-1-worker-1":
            // after the '@' is the carrier, the OS thread the virtual thread is mounted on.
            List<String> served = process.awaitStdoutLines("served by", count, Duration.ofSeconds(10));
            assertTrue(process.stdout().getFirst().startsWith("Listening on "), "first line: " + process.stdout().getFirst());
            process.awaitStdout("carried by 1 OS thread", Duration.ofSeconds(1));
            Set<String> carriers = served.stream()
                    .map(line -> line.substring(line.lastIndexOf('@') + 1))
                    .collect(Collectors.toSet());
            assertEquals(1, carriers.size(), "carriers: " + carriers);

            process.process().destroy();
            assertTrue(process.process().waitFor(10, TimeUnit.SECONDS), process.transcript());
            assertEquals(0, process.process().exitValue(), process.transcript());
        }
    }

    @Test
    void clientOverTheLimitIsToldTheServerIsFullAndTheNextOneIsServedOnceASlotFrees() throws Exception {
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
            // The slot is freed when the first client's thread has finished; that takes a moment.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                try (TestClient later = server.connect()) {
                    later.send("three\n");
                    byte[] answer = later.readLine();
                    if (new String(answer, java.nio.charset.StandardCharsets.US_ASCII).startsWith("ERROR server full")
                            && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                        continue;
                    }
                    assertArrayEquals(bytes("three\n"), answer);
                    break;
                }
            }
        }
    }
}
