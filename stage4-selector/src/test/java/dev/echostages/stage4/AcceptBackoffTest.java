package dev.echostages.stage4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.common.testing.TestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classPath = System.getProperty("java.class.path");
        var process = new ProcessBuilder("bash", "-c",
                "ulimit -n " + FILE_LIMIT + " && exec \"$0\" -cp \"$1\" " + SelectorEchoServer.class.getName()
                        + " --port 0 --quiet",
                java, classPath).start();
        List<String> warnings = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon().start(() -> collect(process, warnings));
        List<TestClient> served = new ArrayList<>();
        List<TestClient> waiting = new ArrayList<>();
        try {
            var stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String listening = stdout.readLine();
            assertTrue(listening != null && listening.startsWith("Listening on 127.0.0.1:"), "first line: " + listening);
            var address = new InetSocketAddress("127.0.0.1", Integer.parseInt(listening.substring(listening.lastIndexOf(':') + 1)));

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
            assertTrue(warnings.stream().anyMatch(w -> w.contains("accept failed (Too many open files)")),
                    "no accept warning; stderr was: " + warnings);
            for (int i = 0; i < 2; i++) {
                TestClient client = TestClient.connect(address); // queued in the kernel too
                client.send("waiting\n");
                waiting.add(client);
            }

            // Stay out of descriptors for a while: retries are spaced out, not spun.
            int before = warnings.size();
            Thread.sleep(2_000);
            int retries = warnings.size() - before;
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
            process.destroy(); // SIGTERM: the shutdown hook stops the loop
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static byte[] line(String text) {
        return (text + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static void collect(Process process, List<String> lines) {
        try (var stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = stderr.readLine()) != null) {
                System.out.println("server stderr: " + line);
                lines.add(line);
            }
        } catch (IOException closed) {
            lines.add("(stderr unreadable: " + closed + ")");
        }
    }
}
