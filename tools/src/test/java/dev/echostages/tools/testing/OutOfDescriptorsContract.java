package dev.echostages.tools.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.ServerProcess;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Running out of file descriptors, for real (CONTRACT item 10), for every server from stage 3 on:
 * the server runs in a child process under a small {@code ulimit -n}, and clients connect until
 * {@code accept()} fails with "Too many open files". A stage's test class extends this and names
 * its main class and options.
 *
 * <p>Linux only: {@code ulimit} in a child shell is how the lesson is staged here; elsewhere the
 * tests are skipped with that reason.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class OutOfDescriptorsContract {

    /** Enough for the JVM (a few dozen descriptors) and a couple of dozen clients. */
    private static final int FILE_LIMIT = 64;

    private final String mainClass;
    private final List<String> options;

    protected OutOfDescriptorsContract(String mainClass, String... options) {
        this.mainClass = mainClass;
        this.options = List.of(options);
    }

    private ServerProcess startUnderFileLimit() throws java.io.IOException {
        LinuxOnly.assume("the server runs under bash's ulimit -n in a child process");
        List<String> args = new ArrayList<>(List.of("--port", "0", "--quiet"));
        args.addAll(options);
        // bash lowers the limit, then execs java in its place: the server keeps bash's pid.
        return ServerProcess.java(mainClass, args.toArray(String[]::new))
                .prefix("bash", "-c", "ulimit -n " + FILE_LIMIT + " && exec \"$@\"", "bash")
                .onLine(line -> {
                    if (line.source() == ServerProcess.Source.STDERR) {
                        System.out.println("server stderr: " + line.text());
                    }
                })
                .start();
    }

    @Test
    void aBurstOfConnectsAtStartUpBacksOffQuietlyAndServesOnceDescriptorsAreFree() throws Exception {
        ServerProcess process = startUnderFileLimit();
        List<Socket> burst = new ArrayList<>();
        try {
            // 400 connects before any client was served: the kernel queues them all (the
            // backlog), the server accepts until it runs out of descriptors, then backs off.
            for (int i = 0; i < 400; i++) {
                Socket socket = new Socket();
                socket.connect(process.address(), 5_000);
                burst.add(socket);
            }
            Thread.sleep(3_000);
            int logLines = process.stderr().size();
            // Doubling from 50 ms, capped at 1 s: about 6 back-offs in 3 s, one line each. A
            // server that logged every retry (or a stack trace with each) printed thousands.
            assertTrue(logLines <= 12, logLines + " stderr lines in 3 s of running out of descriptors: "
                    + process.stderr().subList(0, Math.min(20, logLines)));
            assertTrue(process.stderr().stream().anyMatch(w -> w.contains("accept failed (Too many open files)")),
                    "no accept warning; stderr was: " + process.stderr());
            for (Socket socket : burst) {
                socket.close();
            }
            burst.clear();
            // Descriptors free again: a client is served (after at most one back-off of 1 s,
            // and the closed clients of the burst, still queued, each accepted and ended).
            try (TestClient late = TestClient.connect(process.address())) {
                late.setReadTimeout(Duration.ofSeconds(15));
                late.send("served after the burst\n");
                assertArrayEquals(line("served after the burst"), late.readLine());
            }
        } finally {
            for (Socket socket : burst) {
                socket.close();
            }
            process.stop();
        }
    }

    @Test
    void acceptFailuresBackOffAndTheListenerServesAgainOnceDescriptorsAreFree() throws Exception {
        ServerProcess process = startUnderFileLimit();
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
