package dev.echostages.stage5;

import dev.echostages.common.Addresses;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.testing.TestClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The stage 5 lessons against the virtual-thread server ({@code --server virtual}), plus the ones
 * only it has: one OS thread can carry every client, a client that never waits must still yield
 * it, and a sleeping client parks while a spinning one holds its carrier. These need a process
 * of their own: the scheduler's size is fixed when a JVM creates its first virtual thread.
 */
class VirtualThreadEchoServerTest extends AsyncServerLessons {
    @Override
    protected String serverName() {
        return "virtual";
    }

    /**
     * With {@code --carriers 1} one OS thread runs every virtual thread, like asyncio's single
     * event loop, and twenty clients talking at once are all served. The carriers are counted in
     * the child's thread dump (they are platform threads, {@code ForkJoinPool-1-worker-N}): after
     * this load the default scheduler would have started one per core. {@code --quiet}, because
     * a virtual thread writing the log to a terminal is in blocking file I/O, for which the JDK
     * adds a carrier for a while (see AsyncEchoServer.useCarrierThreads).
     */
    @Test
    void oneCarrierThreadServesEveryClientWithCarriersOne() throws Exception {
        try (ServerProcess process = startProcess("--server", "virtual", "--carriers", "1", "--quiet")) {
            try (SaturatingClients load = SaturatingClients.start(process.address(), 20)) {
                load.awaitEachEchoed(64 * 1024, Duration.ofSeconds(20));
            }
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    TestClient client = TestClient.connect(process.address());
                    clients.add(client);
                    client.send("client " + i + "\n");
                }
                for (int i = 0; i < 20; i++) {
                    assertArrayEquals(bytes("client " + i + "\n"), clients.get(i).readLine());
                }
            } finally {
                for (TestClient client : clients) {
                    client.close();
                }
            }
            List<String> carriers = carrierThreads(process.pid());
            assertEquals(1, carriers.size(), "carrier threads: " + carriers);
            assertEquals(0, process.stop(), process.transcript());
        }
    }

    /**
     * The newcomer lesson with one carrier, where the scheduler keeps taking busy clients' threads
     * from the queue it is on and a newly started thread waits on another ({@code FairShare}).
     * Measured from an outside client: newcomers waited up to 0.4 s without the newcomer rule, at
     * most 13 ms with it. Bound 1 s on the median: here the twenty clients are forty platform
     * threads of this JVM on the same two cores as the server's one carrier.
     */
    @Test
    void newcomerIsEchoedPromptlyWithOneCarrierAndTwentySaturatingClients() throws Exception {
        try (ServerProcess process = startProcess("--server", "virtual", "--carriers", "1", "--quiet");
                SaturatingClients load = SaturatingClients.start(process.address(), 20)) {
            load.awaitEachEchoed(16 * 1024, Duration.ofSeconds(20));
            assertNewcomersEchoedPromptly(process.address(), Duration.ofSeconds(1));
        }
    }

    /**
     * Debug mode's lesson, with one carrier. While one client's {@code sleep 1} runs, another is
     * echoed at once: the sleeper's virtual thread parked, and the log says so. While its
     * {@code spin 1} runs, the other waits for the carrier, and the warning names the spinner.
     */
    @Test
    void underOneCarrierSleepParksButSpinHoldsTheCarrierAndIsNamed() throws Exception {
        try (ServerProcess process = startProcess("--server", "virtual", "--carriers", "1", "--debug");
                TestClient holder = TestClient.connect(process.address());
                TestClient other = TestClient.connect(process.address())) {
            String holderAddress = Addresses.of(holder.socket().getLocalSocketAddress());
            holder.send("sleep 1\n");
            process.awaitLine("'sleep 1': on purpose", Duration.ofSeconds(5)); // it is sleeping now
            long whileSleeping = echoMillis(other, "during the sleep\n");
            assertArrayEquals(bytes("sleep 1\n"), holder.readLine());
            String parked = process.awaitLine("gave its carrier back", Duration.ofSeconds(5));
            assertTrue(parked.contains(holderAddress), parked);

            holder.send("spin 1\n");
            process.awaitLine("'spin 1': on purpose", Duration.ofSeconds(5)); // it is spinning now
            long whileSpinning = echoMillis(other, "during the spin\n");
            String warning = process.awaitLine("held its carrier", Duration.ofSeconds(5));
            assertTrue(warning.contains(holderAddress), warning);
            assertTrue(whileSleeping < 500 && whileSpinning > 500,
                    "echo waits: " + whileSleeping + " ms during the sleep, " + whileSpinning + " ms during the spin\n" + process.transcript());
        }
    }

    private static long echoMillis(TestClient client, String line) throws IOException {
        long started = System.nanoTime();
        client.send(line);
        assertArrayEquals(bytes(line), client.readLine());
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    /** The virtual-thread scheduler's workers, from {@code jcmd PID Thread.print}. */
    private static List<String> carrierThreads(long pid) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
        String text = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(dump.waitFor(30, TimeUnit.SECONDS), "jcmd did not finish");
        return text.lines().filter(line -> line.startsWith("\"ForkJoinPool-1-worker-")).map(line -> line.substring(0, line.indexOf('"', 1) + 1)).toList();
    }
}
