package dev.echostages.stage5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.common.ServerProcess;
import dev.echostages.common.testing.TestClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The stage 5 lessons against the virtual-thread server ({@code --server virtual}), plus the one
 * that only it has: one OS thread can carry every client.
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
        try (ServerProcess process = startProcess("--server", "virtual", "--carriers", "1")) {
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
            List<String> served = process.awaitLines("served by", count, Duration.ofSeconds(10));
            assertTrue(process.stdout().getFirst().startsWith("Listening on "), "first line: " + process.stdout().getFirst());
            process.awaitLine("carried by 1 OS thread", Duration.ofSeconds(1));
            Set<String> carriers = served.stream()
                    .map(line -> line.substring(line.lastIndexOf('@') + 1))
                    .collect(Collectors.toSet());
            assertEquals(1, carriers.size(), "carriers: " + carriers);

            process.requestStop();
            OptionalInt status = process.awaitExit(Duration.ofSeconds(10));
            assertTrue(status.isPresent(), process.transcript());
            assertEquals(0, status.getAsInt(), process.transcript());
        }
    }
}
