package dev.echostages.stage4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.common.ServerProcess;
import dev.echostages.common.testing.TestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Running out of file descriptors, for real: the server runs in a child process under a small
 * {@code ulimit -n}, and clients connect until {@code accept()} fails with "Too many open files".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AcceptBackoffTest {

    /** Enough for the JVM (about a dozen descriptors) and a couple of dozen clients. */
    private static final int FILE_LIMIT = 40;

    @Test
    void acceptFailuresBackOffAndTheListenerServesAgainOnceDescriptorsAreFree() throws Exception {
        // bash lowers the limit, then execs java in its place: the server keeps bash's pid.
        ServerProcess process = ServerProcess.java(SelectorEchoServer.class.getName(), "--port", "0", "--quiet")
                .prefix("bash", "-c", "ulimit -n " + FILE_LIMIT + " && exec \"$@\"", "bash")
                .onLine(line -> {
                    if (line.source() == ServerProcess.Source.STDERR) {
                        System.out.println("server stderr: " + line.text());
                    }
                })
                .start();
        List<TestClient> served = new ArrayList<>();
        List<TestClient> waiting = new ArrayList<>();
        try {
            String listening = process.stdout().getFirst();
            assertTrue(listening.startsWith("Listening on 127.0.0.1:"), "first line: " + listening);
            var address = process.address();

            // Connect one client at a time until one is not served: the kernel completed its
            // handshake and queued it, but the server had no descriptor left to accept it with.
            while (waiting.isEmpty()) {
                assertTrue(served.size() < FILE_LIMIT, "every client was served under ulimit -n " + FILE_LIMIT);
                TestClient client = TestClient.connect(address);
                client.send("client " + served.size() + "\n");
                if (client.receivesNothingWithin(Duration.ofMillis(1_500))) {
                    waiting.add(client);
                } else {
                    assertArrayEquals(line("client " + served.size()), client.readLine());
                    served.add(client);
                }
            }
            assertTrue(process.stderr().stream().anyMatch(w -> w.contains("accept failed (Too many open files)")),
                    "no accept warning; stderr was: " + process.stderr());
            for (int i = 0; i < 2; i++) {
                TestClient client = TestClient.connect(address); // queued in the kernel too
                client.send("waiting\n");
                waiting.add(client);
            }

            // Stay out of descriptors for a while: retries are spaced out, not spun.
            int before = process.stderr().size();
            Thread.sleep(2_000);
            int retries = process.stderr().size() - before;
            assertTrue(retries <= 10, retries + " accept failures in 2 s: the loop is not backing off");

            // Free a few descriptors: the queued clients are accepted and served, and so is a new one.
            for (int i = 0; i < waiting.size() + 1; i++) {
                served.remove(0).close();
            }
            for (TestClient client : waiting) {
                client.setReadTimeout(Duration.ofSeconds(5));
                assertTrue(client.readLineText().startsWith(client == waiting.getFirst() ? "client " : "waiting"));
            }
            try (TestClient late = TestClient.connect(address)) {
                late.send("the listener is still open\n");
                assertArrayEquals(line("the listener is still open"), late.readLine());
            }
        } finally {
            for (TestClient client : served) {
                client.close();
            }
            for (TestClient client : waiting) {
                client.close();
            }
            process.stop(); // SIGTERM: the shutdown hook stops the loop
        }
    }

    private static byte[] line(String text) {
        return (text + "\n").getBytes(StandardCharsets.US_ASCII);
    }
}
