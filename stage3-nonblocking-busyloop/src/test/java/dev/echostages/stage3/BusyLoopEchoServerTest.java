package dev.echostages.stage3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.testing.RunningServer;
import dev.echostages.tools.testing.ThreadCpu;
import dev.echostages.tools.testing.TestClient;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lessons of stage 3, proved against the real server over loopback. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BusyLoopEchoServerTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static RunningServer start(String... args) throws IOException {
        return RunningServer.start(BusyLoopEchoServer.commandLine(), BusyLoopEchoServer::new, args);
    }

    @Test
    void clientWhoSpeaksFirstIsAnsweredFirstWhateverTheOrderTheyConnected() throws Exception {
        try (RunningServer server = start();
                TestClient first = server.connect();
                TestClient second = server.connect()) {
            // Stage 2 would hold the second client's echo until the first one spoke.
            second.send("second, but speaking first\n");
            assertArrayEquals(bytes("second, but speaking first\n"), second.readLine());
            assertTrue(first.receivesNothingWithin(Duration.ofMillis(200)), "the silent client got something");

            first.send("first, speaking at last\n");
            assertArrayEquals(bytes("first, speaking at last\n"), first.readLine());
            second.send("and again\n");
            assertArrayEquals(bytes("and again\n"), second.readLine());
        }
    }

    @Test
    void idleLoopBurnsMostOfACore() throws Exception {
        try (RunningServer server = start("--no-stats");
                TestClient silent = server.connect()) {
            silent.send("hello\n");
            silent.readLine(); // connected and served; from now on nobody says anything
            ThreadCpu.Sample busiest = ThreadCpu.busiestSecond(server.thread(), 3);
            System.out.println("idle busy loop thread: " + busiest);
            assertTrue(busiest.spinning(), "the loop thread, idle, used only " + busiest);
        }
    }

    @Test
    void idleLoopBurnsACoreButChurnsNoGarbage() throws Exception {
        // The lesson is the CPU; a heap that grows at rest would cloud every memory figure. The
        // JDK's accept() allocates 64 bytes a call, so the loop asks the listener once a
        // millisecond (64 KB/s); asked on every pass, as before, it was about 20 MB/s.
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (RunningServer server = start("--no-stats");
                TestClient silent = server.connect()) {
            silent.send("hello\n");
            silent.readLine();
            long id = server.thread().threadId();
            long before = threads.getThreadAllocatedBytes(id);
            long started = System.nanoTime();
            Thread.sleep(1000);
            double seconds = (System.nanoTime() - started) / 1e9;
            long perSecond = Math.round((threads.getThreadAllocatedBytes(id) - before) / seconds);
            System.out.println("idle busy loop allocated " + perSecond + " bytes/s");
            assertTrue(perSecond < 256 * 1024, "the idle loop allocated " + perSecond + " bytes in a second");
        }
    }

    @Test
    void clientThatResetsDoesNotDisturbTheOthers() throws Exception {
        try (RunningServer server = start();
                TestClient alice = server.connect();
                TestClient bob = server.connect()) {
            alice.send("alice 1\n");
            assertArrayEquals(bytes("alice 1\n"), alice.readLine());

            try (TestClient crashing = server.connect()) {
                crashing.send("half a li");
                bob.send("bob 1\n");
                assertArrayEquals(bytes("bob 1\n"), bob.readLine());
                crashing.reset();
                server.log().await(crashing.socket().getLocalPort() + " connection lost", Duration.ofSeconds(5));
            }

            alice.send("alice 2\n");
            bob.send("bob 2\n");
            assertArrayEquals(bytes("alice 2\n"), alice.readLine());
            assertArrayEquals(bytes("bob 2\n"), bob.readLine());
            assertFalse(server.log().contains("ERROR"), "a reset is an event, not an error");
        }
    }

    @Test
    void statsLineShowsLoopPassesAndCpuEveryInterval() throws Exception {
        try (RunningServer server = start("--stats-interval", "1")) {
            String line = server.log().await("stats:", Duration.ofSeconds(5));
            Matcher numbers = Pattern.compile("stats: ([\\d,]+) loop passes/s, loop thread busy (\\d+)% of a core, 0 clients")
                    .matcher(line);
            assertTrue(numbers.find(), line);
            long passesPerSecond = Long.parseLong(numbers.group(1).replace(",", ""));
            assertTrue(passesPerSecond > 1000, "a busy loop goes round far more than 1000 times a second: " + line);
        }
    }

    @Test
    void noStatsAndQuietSwitchTheStatsLineOff() throws Exception {
        for (String option : new String[] {"--no-stats", "--quiet"}) {
            try (RunningServer server = start("--stats-interval", "1", option); TestClient client = server.connect()) {
                // Something the log must still show under either option: a warning.
                client.send("x".repeat(9000) + "\n");
                client.readToEnd();
                server.log().await("line longer than", Duration.ofSeconds(2));
                Thread.sleep(1500); // a stats line a second, were it on
                assertFalse(server.log().contains("stats:"), option + " still printed " + server.log().lines());
            }
        }
    }

    @Test
    void clientThatDoesNotReadStopsBeingReadAboveTheHighMarkAndResumesBelowTheLow() throws Exception {
        // 16 MiB in lines of 8000 bytes: more than the kernel buffers hold, in few enough lines
        // that logging each echo stays cheap.
        byte[] payload = new byte[16 * 1024 * 1024];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (i % 8000 == 7999) ? (byte) '\n' : (byte) ('a' + i % 26);
        }
        try (RunningServer server = start();
                TestClient client = server.connect()) {
            // Write from another thread: once the server stops reading us, this write blocks.
            var writer = CompletableFuture.runAsync(() -> {
                try {
                    client.send(payload);
                    client.shutdownOutput();
                } catch (IOException failed) {
                    throw new RuntimeException(failed);
                }
            });
            server.log().await("not reading:", Duration.ofSeconds(15));

            byte[] received = client.readToEnd();
            writer.get(10, TimeUnit.SECONDS);
            assertTrue(server.log().contains("reading again:"));
            assertEquals(payload.length, received.length, "byte count");
            assertTrue(Arrays.equals(payload, received), "echo differs from what was sent");
        }
    }

    @Test
    void burstOfConnectsIsAcceptedWithoutDroppedConnectionAttempts() throws Exception {
        // A loop that never sleeps is often off the CPU on a busy machine (the scheduler makes it
        // wait its turn). Clients that connect meanwhile wait in the kernel's backlog; with Java's
        // default of 50, the rest had their SYN dropped and connect() took a whole second (TCP's
        // first retransmit): 300 connects took over 5 s. With room for 1024, well under one.
        List<TestClient> crowd = new ArrayList<>();
        try (RunningServer server = start("--quiet")) {
            long before = System.nanoTime();
            for (int i = 0; i < 300; i++) {
                crowd.add(server.connect());
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
            assertTrue(millis < 900, "300 connects took " + millis + " ms: some waited for a SYN retransmit");
            TestClient last = crowd.getLast();
            last.send("last of 300\n");
            assertArrayEquals(bytes("last of 300\n"), last.readLine());
        } finally {
            for (TestClient client : crowd) {
                client.close();
            }
        }
    }

    @Test
    void stopEndsTheLoopPromptlyAndClosesTheClients() throws Exception {
        RunningServer server = start();
        try (TestClient idle = server.connect(); TestClient midLine = server.connect()) {
            idle.send("hi\n");
            idle.readLine();
            midLine.send("unfinished");
            long before = System.nanoTime();
            server.close(); // stop(), then waits for serve() to return
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
            assertTrue(millis < 1000, "serve() took " + millis + " ms to return after stop()");
            assertTrue(idle.closedByServerWithin(Duration.ofSeconds(2)), "idle client not closed");
            assertTrue(midLine.closedByServerWithin(Duration.ofSeconds(2)), "client mid-line not closed");
        }
    }
}
