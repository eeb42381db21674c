package dev.echostages.stage2;

import dev.echostages.common.Addresses;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.demo.TwoClientScenario;
import dev.echostages.tools.demo.TwoClientScenario.BServed;
import dev.echostages.tools.demo.TwoClientScenario.Kind;
import dev.echostages.tools.demo.TwoClientScenario.Result;
import dev.echostages.tools.testing.RunningServer;
import dev.echostages.tools.testing.TestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lessons of stage 2, proved against the real server over loopback: the timeline of the
 * README, step by step (A connects and stays silent, B connects and sends).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MultiClientEchoServerTest {
    /** Long enough for any server that could answer to answer on loopback, by a wide margin. */
    private static final Duration NOTHING_COMES = Duration.ofMillis(700);
    private static final Duration LOG_WAIT = Duration.ofSeconds(5);

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static RunningServer start() throws Exception {
        return RunningServer.start(MultiClientEchoServer.commandLine(), MultiClientEchoServer::new);
    }

    /** The server's name for a client in its log: its address as the server sees it. */
    private static String nameOf(TestClient client) {
        return Addresses.of(client.socket().getLocalSocketAddress());
    }

    /** Waits until the server has logged {@code message} about {@code client}. */
    private static void awaitLog(RunningServer server, TestClient client, String message) throws InterruptedException {
        awaitLog(server, nameOf(client), message);
    }

    private static void awaitLog(RunningServer server, String client, String message) throws InterruptedException {
        server.log().await(client + " " + message, LOG_WAIT);
    }

    private static long connects(RunningServer server) {
        return server.log().lines().stream().filter(line -> line.endsWith(" connected")).count();
    }

    @Test
    void newcomerIsNotEvenAcceptedWhileTheClientBeforeItIsSilent() throws Exception {
        try (RunningServer server = start(); TestClient a = server.connect()) {
            awaitLog(server, a, "reading: blocked until it sends a line");
            try (TestClient b = server.connect()) {
                // connect() succeeded (the kernel finished the handshake and parked B in the
                // listen backlog) and the line sits in B's socket buffer; the server knows nothing.
                b.send("hello from B\n");
                assertTrue(b.receivesNothingWithin(NOTHING_COMES), "B was served while A was silent");
                assertEquals(1, connects(server), "the server accepted B while blocked reading A");

                a.send("hello from A\n");
                assertArrayEquals(bytes("hello from A\n"), a.readLine());
                awaitLog(server, b, "connected"); // A's line let the loop come round to accept()
            }
        }
    }

    @Test
    void secondClientIsEchoedOnlyAfterTheFirstClientsSecondLine() throws Exception {
        try (RunningServer server = start(); TestClient a = server.connect()) {
            awaitLog(server, a, "reading: blocked until it sends a line");
            try (TestClient b = server.connect()) {
                b.send("hello from B\n");
                assertTrue(b.receivesNothingWithin(NOTHING_COMES), "B was served while A was silent");

                // A's first line: echoed; the loop accepts B, then blocks on A again, first in line.
                a.send("hello from A\n");
                assertArrayEquals(bytes("hello from A\n"), a.readLine());
                awaitLog(server, b, "connected");
                assertTrue(b.receivesNothingWithin(NOTHING_COMES), "B was served after A's first line");

                // A's second line gets the pass past A, to B, whose line waited in the kernel.
                a.send("A again\n");
                assertArrayEquals(bytes("A again\n"), a.readLine());
                assertArrayEquals(bytes("hello from B\n"), b.readLine());
            }
        }
    }

    @Test
    void twoClientDemoShowsBEchoedOnlyAfterASecondLine() throws Exception {
        try (RunningServer server = start()) {
            Result run = TwoClientScenario.run(server.address(), Duration.ofSeconds(1), System.out::println);

            assertEquals(BServed.AFTER_A_SECOND_LINE, run.bServed(), run.verdict());
            Duration echoOfB = run.firstEcho("B").orElseThrow();
            assertTrue(echoOfB.compareTo(run.nth("A", Kind.SEND, 2).orElseThrow()) > 0, "B echoed before A's second line");
            assertTrue(run.bWaited().orElseThrow().compareTo(Duration.ofSeconds(1)) >= 0, "B waited less than A's silence");
            assertTrue(run.verdict().contains("SECOND line"), run.verdict());
        }
    }

    @Test
    void onceEveryoneHasSpokenTheNextLineWaitsForANewcomer() throws Exception {
        try (RunningServer server = start(); TestClient alone = server.connect()) {
            alone.send("first\n");
            assertArrayEquals(bytes("first\n"), alone.readLine());

            // The pass is over; the loop is back in accept(), blocked until somebody new comes.
            alone.send("second\n");
            assertTrue(alone.receivesNothingWithin(NOTHING_COMES), "served without a newcomer");

            try (TestClient newcomer = server.connect()) {
                assertArrayEquals(bytes("second\n"), alone.readLine(), "the newcomer's accept let the pass reach it");
                newcomer.send("hi\n");
                assertArrayEquals(bytes("hi\n"), newcomer.readLine());
            }
        }
    }

    @Test
    void clientThatDisconnectsIsRemovedAndTheLoopGoesOn() throws Exception {
        try (RunningServer server = start()) {
            TestClient a = server.connect();
            String nameOfA = nameOf(a);
            awaitLog(server, nameOfA, "reading: blocked until it sends a line");
            try (TestClient b = server.connect()) {
                b.send("b1\n");
                a.send("a1\n");
                assertArrayEquals(bytes("a1\n"), a.readLine());
                awaitLog(server, b, "connected"); // the loop has taken B, and blocks on A again

                a.close(); // A leaves without a word: its end of stream frees the loop
                awaitLog(server, nameOfA, "disconnected, removed from the list");
                assertArrayEquals(bytes("b1\n"), b.readLine(), "the pass went on to B");

                // The loop carries on without A: a newcomer is accepted, and B and C are read in turn.
                try (TestClient c = server.connect()) {
                    awaitLog(server, c, "connected");
                    b.send("b2\n");
                    assertArrayEquals(bytes("b2\n"), b.readLine());
                    c.send("c1\n");
                    assertArrayEquals(bytes("c1\n"), c.readLine());
                }
            }
            List<String> lines = server.log().lines();
            List<String> afterRemoval = lines.subList(indexOf(lines, nameOfA + " disconnected") + 1, lines.size());
            assertFalse(afterRemoval.stream().anyMatch(line -> line.contains(nameOfA)),
                    "A was still in the loop after it was removed: " + afterRemoval);
        }
    }

    @Test
    void clientThatResetsMidLineIsRemovedAndOthersAreServed() throws Exception {
        try (RunningServer server = start(); TestClient a = server.connect()) {
            awaitLog(server, a, "reading: blocked until it sends a line");
            try (TestClient b = server.connect()) {
                b.send("hello from B\n");
                a.send("half a li");
                Thread.sleep(100);
                a.reset(); // a crash: RST instead of FIN
                server.log().await(nameOf(b) + " echoing", LOG_WAIT);
                assertArrayEquals(bytes("hello from B\n"), b.readLine());
                assertTrue(server.log().contains("connection lost"), "the reset was not logged");
            }
        }
    }

    private static int indexOf(List<String> lines, String fragment) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(fragment)) {
                return i;
            }
        }
        throw new AssertionError("no log line contains " + fragment + ":\n" + String.join("\n", lines));
    }
}
