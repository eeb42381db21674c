package dev.echostages.stage2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.testing.LinuxOnly;
import dev.echostages.tools.testing.TestClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stage 2 out of file descriptors (CONTRACT item 10), under a small {@code ulimit -n} in a child
 * process. Stage 2's pass blocks on every client in turn, so the shared contract's bursts do not
 * apply; what must hold is the rule of every stage: a failed {@code accept()} is a logged pause,
 * never the end of the server, and the clients already connected keep their turns (the pass still
 * runs without a newcomer: one of them may leave and free a descriptor).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MultiClientOutOfDescriptorsTest {

    /** Enough for the JVM (a few dozen descriptors) and a couple of dozen clients. */
    private static final int FILE_LIMIT = 64;

    @Test
    void outOfDescriptorsTheConnectedClientsKeepTheirTurnsAndTheNewcomerIsServedOnceOneLeaves() throws Exception {
        LinuxOnly.assume("the server runs under bash's ulimit -n in a child process");
        ServerProcess process = ServerProcess.java(MultiClientEchoServer.class.getName(), "--port", "0", "--quiet")
                .prefix("bash", "-c", "ulimit -n " + FILE_LIMIT + " && exec \"$@\"", "bash")
                .start();
        List<TestClient> served = new ArrayList<>();
        TestClient waiting = null;
        try {
            // A newcomer per round, then everyone sends a line: the pass accepts the newcomer and
            // reads each client in turn. Until accept() fails for want of a descriptor.
            while (waiting == null) {
                assertTrue(served.size() < FILE_LIMIT, "every client was served under ulimit -n " + FILE_LIMIT);
                TestClient newcomer = TestClient.connect(process.address());
                newcomer.setReadTimeout(Duration.ofSeconds(10));
                newcomer.send("newcomer " + served.size() + "\n");
                everyoneSpeaksAndIsEchoed(served);
                if (newcomer.receivesNothingWithin(Duration.ofMillis(1_500))) {
                    waiting = newcomer; // queued in the kernel: the server had no descriptor to accept it with
                } else {
                    assertEquals("newcomer " + served.size(), newcomer.readLineText().strip());
                    served.add(newcomer);
                }
            }
            assertTrue(process.stderr().stream().anyMatch(line -> line.contains("accept failed (Too many open files)")),
                    "no accept warning; stderr was: " + process.stderr());

            // Still out of descriptors: the pass goes on without a newcomer, everyone keeps their turn.
            everyoneSpeaksAndIsEchoed(served);
            assertTrue(process.awaitExit(Duration.ZERO).isEmpty(), "the server exited: " + process.stderr());

            // One client leaves; the next pass finds it gone and closes it, which frees a descriptor:
            // the pass after that accepts the waiting newcomer, whose line has waited in the kernel.
            served.remove(served.size() - 1).close();
            everyoneSpeaksAndIsEchoed(served);
            everyoneSpeaksAndIsEchoed(served);
            assertEquals("newcomer " + (served.size() + 1), waiting.readLineText().strip());
        } finally {
            for (TestClient client : served) {
                client.close();
            }
            if (waiting != null) {
                waiting.close();
            }
            process.stop();
        }
    }

    private static void everyoneSpeaksAndIsEchoed(List<TestClient> clients) throws IOException {
        for (TestClient client : clients) {
            client.send("ping\n");
        }
        for (TestClient client : clients) {
            client.setReadTimeout(Duration.ofSeconds(10));
            assertEquals("ping", client.readLineText().strip());
        }
    }
}
