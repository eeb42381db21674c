package dev.echostages.tools.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.echostages.common.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The echo contract (root README, "The echo contract"), proved against a stage's real server over
 * loopback. Each stage's test class extends this and hands it a {@link ServerRecipe} for its server.
 *
 * <p>Every test here uses one client at a time, so that even stage 1 (one client, ever) can keep
 * the contract. Stage 2 cannot serve one client continuously (that is its lesson), so it answers
 * {@code false} to {@link #servesAClientContinuously()} and the tests that need a long
 * conversation are skipped for it, with the reason in the report.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public abstract class EchoContractTest {

    private final ServerRecipe recipe;

    /** {@code recipe}: the stage's server, with any options these tests need (stage 1: a larger read chunk). */
    protected EchoContractTest(ServerRecipe recipe) {
        this.recipe = recipe;
    }

    /** False for a stage that, by design, stops serving a client between lines. */
    protected boolean servesAClientContinuously() {
        return true;
    }

    protected RunningServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = recipe.start();
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        server.close();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void lfLineComesBackByteExact() throws IOException {
        try (TestClient client = server.connect()) {
            client.send("hello\n");
            assertArrayEquals(bytes("hello\n"), client.readLine());
        }
    }

    @Test
    void crlfLineComesBackByteExactAsTelnetSendsIt() throws IOException {
        try (TestClient client = server.connect()) {
            client.send("hello from telnet\r\n");
            assertArrayEquals(bytes("hello from telnet\r\n"), client.readLine());
        }
    }

    @Test
    void loneCarriageReturnIsData() throws IOException {
        try (TestClient client = server.connect()) {
            client.send("one\rtwo\n");
            assertArrayEquals(bytes("one\rtwo\n"), client.readLine());
        }
    }

    @Test
    void hundredLinesInOneWriteComeBackInOrder() throws IOException {
        var batch = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            batch.append("line ").append(i).append('\n');
        }
        try (TestClient client = server.connect()) {
            client.send(batch.toString());
            for (int i = 0; i < 100; i++) {
                assertEquals("line " + i + "\n", client.readLineText());
            }
        }
    }

    @Test
    void lineWrittenInThreePiecesComesBackOnceWhole() throws Exception {
        try (TestClient client = server.connect()) {
            // Each piece arrives in a read of its own. Between them a blocking server waits in
            // read() and a polling one reads 0 bytes again and again; either way the first pieces
            // must wait in the connection's own line buffer, not be echoed or forgotten.
            // Waiting for an echo that must not come is also the pause that splits the reads.
            client.send("TCP is ");
            assertTrue(client.receivesNothingWithin(Duration.ofMillis(100)), "a piece was echoed before its line ended");
            client.send("a stream, ");
            assertTrue(client.receivesNothingWithin(Duration.ofMillis(100)), "a piece was echoed before its line ended");
            client.send("not messages\n");
            assertArrayEquals(bytes("TCP is a stream, not messages\n"), client.readLine());
            assertTrue(client.receivesNothingWithin(Duration.ofMillis(300)), "the line came back more than once");
        }
    }

    @Test
    void utf8CharacterSplitAcrossWritesArrivesIntact() throws Exception {
        byte[] cafe = bytes("café\n");
        try (TestClient client = server.connect()) {
            client.send(Arrays.copyOfRange(cafe, 0, 4)); // "caf" and the first byte of "é"
            // Nothing may come back before the line ends (a server that decodes each read would
            // echo "caf" and a replacement character now); the wait also splits the reads.
            assertTrue(client.receivesNothingWithin(Duration.ofMillis(100)), "half a line (half a character) was echoed");
            client.send(Arrays.copyOfRange(cafe, 4, cafe.length));
            assertArrayEquals(cafe, client.readLine());
        }
    }

    @Test
    void everyByteValueButNewlineRoundTrips() throws IOException {
        var line = new ByteArrayOutputStream();
        for (int b = 0; b < 256; b++) {
            if (b != '\n') {
                line.write(b);
            }
        }
        line.write('\n');
        try (TestClient client = server.connect()) {
            client.send(line.toByteArray());
            assertArrayEquals(line.toByteArray(), client.readLine());
        }
    }

    @Test
    void overlongLineGetsOneErrorLineAndIsDisconnectedWhileLaterClientsAreServed() throws IOException {
        byte[] tooLong = new byte[Protocol.DEFAULT_MAX_LINE + 100];
        Arrays.fill(tooLong, (byte) 'x');
        try (TestClient greedy = server.connect()) {
            greedy.send(tooLong);
            assertArrayEquals(Protocol.lineTooLongReply(Protocol.DEFAULT_MAX_LINE), greedy.readLine());
            assertTrue(greedy.closedByServerWithin(Duration.ofSeconds(5)), "overlong client still connected");
        }
        try (TestClient next = server.connect()) {
            next.send("still here?\n");
            assertArrayEquals(bytes("still here?\n"), next.readLine());
        }
    }

    @Test
    void lineOfExactlyTheLimitIsAccepted() throws IOException {
        byte[] line = new byte[Protocol.DEFAULT_MAX_LINE];
        Arrays.fill(line, (byte) 'y');
        line[line.length - 1] = '\n';
        try (TestClient client = server.connect()) {
            client.send(line);
            assertArrayEquals(line, client.readLine());
        }
    }

    @Test
    void unterminatedTailIsEchoedAtEndOfStream() throws IOException {
        try (TestClient client = server.connect()) {
            client.send("first\nno newline at the end");
            client.shutdownOutput();
            assertArrayEquals(bytes("first\nno newline at the end"), client.readToEnd());
        }
    }

    @Test
    void halfCloseAfterOneMebibyteGetsEveryByteBackThenEof() throws Exception {
        assumeTrue(servesAClientContinuously(), "this stage stops serving a client between lines (see its README)");
        var random = new Random(42);
        var sent = new ByteArrayOutputStream();
        while (sent.size() < 1024 * 1024) {
            byte[] line = new byte[1 + random.nextInt(200)];
            for (int i = 0; i < line.length; i++) {
                line[i] = (byte) ('a' + random.nextInt(26));
            }
            line[line.length - 1] = '\n';
            sent.write(line);
        }
        byte[] payload = sent.toByteArray();
        try (TestClient client = server.connect()) {
            // Write from another thread: a client that wrote 1 MiB before reading anything would
            // deadlock against any server that bounds what it holds, as it should.
            var writer = CompletableFuture.runAsync(() -> {
                try {
                    client.send(payload);
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] received = client.readToEnd();
            writer.get(10, TimeUnit.SECONDS);
            assertEquals(payload.length, received.length, "byte count");
            assertArrayEquals(payload, received);
        }
    }

    /**
     * CONTRACT 13: the server ends this client itself (an overlong line in the middle of a long
     * stream) while the client's later bytes sit unread, and the client reads a second late, as
     * any client on a slow network does. A plain close() would make the kernel reset the connection
     * and throw away the echo still on its way; the lingering close sends all of it, the error
     * line, then FIN.
     */
    @Test
    void aClientThatReadsLateGetsEveryEchoOwedAndTheErrorLineThenFinNotAReset() throws Exception {
        assumeTrue(servesAClientContinuously(), "this stage stops serving a client between lines (see its README)");
        var lines = new ByteArrayOutputStream();
        for (int i = 0; i < 5000; i++) {
            lines.write(bytes(String.format("line %05d %s\n", i, ".".repeat(88))));
        }
        byte[] overlong = bytes("L".repeat(Protocol.DEFAULT_MAX_LINE + 800) + "\n");
        var payload = new ByteArrayOutputStream();
        payload.write(lines.toByteArray());
        payload.write(overlong);
        payload.write(lines.toByteArray());
        try (TestClient client = server.connect()) {
            var writer = CompletableFuture.runAsync(() -> {
                try {
                    client.send(payload.toByteArray());
                    client.shutdownOutput();
                } catch (IOException closedUnderUs) {
                    // The server may close after draining its bound: what counts is what we read.
                }
            });
            Thread.sleep(1000); // a slow reader: by now the server has read past the overlong line
            byte[] received = client.readToEnd(); // a reset would throw here
            writer.get(10, TimeUnit.SECONDS);
            var expected = new ByteArrayOutputStream();
            expected.write(lines.toByteArray());
            expected.write(Protocol.lineTooLongReply(Protocol.DEFAULT_MAX_LINE));
            assertEquals(expected.size(), received.length, "bytes received");
            assertArrayEquals(expected.toByteArray(), received);
        }
    }

    @Test
    void clientResetMidLineLeavesServerServingOthers() throws Exception {
        try (TestClient crashing = server.connect()) {
            crashing.send("half a li");
            Thread.sleep(100);
            crashing.reset();
        }
        try (TestClient next = server.connect()) {
            next.send("after the reset\n");
            assertArrayEquals(bytes("after the reset\n"), next.readLine());
        }
    }
}
