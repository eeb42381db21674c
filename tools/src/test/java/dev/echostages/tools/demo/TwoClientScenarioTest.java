package dev.echostages.tools.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.demo.TwoClientScenario.BServed;
import dev.echostages.tools.demo.TwoClientScenario.Kind;
import dev.echostages.tools.demo.TwoClientScenario.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scenario reads the right verdict off the timeline, for the two extremes: a server that
 * serves every client on its own thread, and one that accepts and never answers. (The stages'
 * own tests cover the cases in between against the real servers.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TwoClientScenarioTest {

    /** A throwaway loopback server: every accepted client is handed to {@code handler} on a thread of its own. */
    private static ServerSocket serverThat(Consumer<Socket> handler) throws IOException {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    Thread.ofVirtual().start(() -> handler.accept(client));
                } catch (IOException closed) {
                    return; // the test closed the listener: this server's work is done
                }
            }
        });
        return listener;
    }

    private static InetSocketAddress addressOf(ServerSocket listener) {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Echoes raw bytes as they come: enough of an echo server for a line-at-a-time client. */
    private static void echo(Socket client) {
        try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException gone) {
            // The scenario closing its clients ends this handler; nothing to report in a test fixture.
        }
    }

    private static void neverAnswer(Socket client) {
        try (client; InputStream in = client.getInputStream()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException gone) {
            // The scenario closing its clients ends this handler; nothing to report in a test fixture.
        }
    }

    @Test
    void serverThatServesClientsIndependentlyEchoesBWhileAIsSilent() throws Exception {
        try (ServerSocket listener = serverThat(TwoClientScenarioTest::echo)) {
            Result run = TwoClientScenario.run(addressOf(listener), Duration.ofMillis(800), System.out::println);

            assertEquals(BServed.WHILE_A_WAS_SILENT, run.bServed(), run.verdict());
            assertTrue(run.bWaited().orElseThrow().compareTo(Duration.ofMillis(800)) < 0, run.verdict());
            assertTrue(run.firstEcho("B").orElseThrow().compareTo(run.first("A", Kind.SEND).orElseThrow()) < 0,
                    "B was not echoed before A spoke");
            assertTrue(run.nth("A", Kind.ECHO, 2).isPresent(), "A's own lines were not both echoed");
            assertTrue(run.verdict().startsWith("B was echoed after "), run.verdict());
        }
    }

    @Test
    void serverThatNeverAnswersEndsWithAVerdictInBoundedTime() throws Exception {
        // Reads and drops everything: the socket stays open (and referenced: a socket the GC
        // collects is closed by its cleaner, and A's next write would fail with a broken pipe).
        try (ServerSocket listener = serverThat(TwoClientScenarioTest::neverAnswer)) {
            long start = System.nanoTime();
            Result run = TwoClientScenario.run(addressOf(listener), Duration.ofMillis(300), System.out::println);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertEquals(BServed.NEVER, run.bServed(), run.verdict());
            assertTrue(run.bWaited().isEmpty());
            assertTrue(run.first("A", Kind.LEAVE).isPresent(), "A did not leave");
            // Silence, then A's two unanswered lines (each waits out the 3 s echo wait and a beat),
            // then A leaving: bounded, about 8 s.
            assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "took " + took);
        }
    }

    @Test
    void hostAndPortAreReadFromTheListeningLine() {
        assertEquals(new InetSocketAddress("127.0.0.1", 8000), TwoClientDemo.parseHostPort("127.0.0.1:8000"));
        assertThrows(IllegalArgumentException.class, () -> TwoClientDemo.parseHostPort("localhost"));
        assertThrows(IllegalArgumentException.class, () -> TwoClientDemo.parseHostPort("localhost:http"));
    }
}
