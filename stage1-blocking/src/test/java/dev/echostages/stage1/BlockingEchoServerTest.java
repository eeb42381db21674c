package dev.echostages.stage1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.testing.RunningServer;
import dev.echostages.tools.testing.TestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lessons of stage 1, proved against the real server over loopback. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class BlockingEchoServerTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void everyTwoByteChunkIsLoggedAsItArrives() throws Exception {
        try (RunningServer server = RunningServer.start(BlockingEchoServer.commandLine(), BlockingEchoServer::new);
                TestClient client = server.connect()) {
            client.send("hello\r\n");
            client.readLine();
            // "hello\r\n" is 7 bytes: three 2-byte reads and one of 1 byte ("\n"), in order.
            List<String> chunks = server.log().lines().stream().filter(l -> l.contains(" read ")).toList();
            assertEquals(4, chunks.size(), () -> "chunk lines: " + chunks);
            assertTrue(chunks.get(0).endsWith("read 2 bytes: he"), chunks.get(0));
            assertTrue(chunks.get(1).endsWith("read 2 bytes: ll"), chunks.get(1));
            assertTrue(chunks.get(2).endsWith("read 2 bytes: o\\r"), chunks.get(2));
            assertTrue(chunks.get(3).endsWith("read 1 byte:  \\n"), chunks.get(3));
            assertTrue(server.log().contains("line complete, echoing: hello\\r\\n"));
        }
    }

    @Test
    void chunkSizeIsAnOption() throws Exception {
        try (RunningServer server = RunningServer.start(BlockingEchoServer.commandLine(), BlockingEchoServer::new,
                        "--chunk", "5");
                TestClient client = server.connect()) {
            client.send("abcdefgh\n");
            client.readLine();
            assertTrue(server.log().contains("read 5 bytes: abcde"));
            assertTrue(server.log().contains("read 4 bytes: fgh\\n"));
        }
    }

    @Test
    void crlfAndLfLinesRoundTripByteExact() throws Exception {
        try (RunningServer server = RunningServer.start(BlockingEchoServer.commandLine(), BlockingEchoServer::new);
                TestClient client = server.connect()) {
            client.send("from telnet\r\n");
            assertArrayEquals(bytes("from telnet\r\n"), client.readLine());
            client.send("from nc\n");
            assertArrayEquals(bytes("from nc\n"), client.readLine());
        }
    }

    @Test
    void secondClientGetsNothingWhileTheFirstIsConnected() throws Exception {
        try (RunningServer server = RunningServer.start(BlockingEchoServer.commandLine(), BlockingEchoServer::new);
                TestClient first = server.connect();
                TestClient second = server.connect()) {
            first.send("first\n");
            assertArrayEquals(bytes("first\n"), first.readLine());

            // The kernel accepted the second connection into the backlog, so connect() succeeded
            // and the write goes through; but the server is busy in read() on the first client.
            second.send("second\n");
            assertTrue(second.receivesNothingWithin(Duration.ofMillis(700)), "second client was served early");
            assertEquals(1, server.log().lines().stream().filter(l -> l.endsWith(" connected")).count());

            first.close();
            assertArrayEquals(bytes("second\n"), second.readLine(), "served once the first client left");
        }
    }
}
