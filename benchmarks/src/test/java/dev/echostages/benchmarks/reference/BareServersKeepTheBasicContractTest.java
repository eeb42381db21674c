package dev.echostages.benchmarks.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.testing.RunningServer;
import dev.echostages.tools.testing.ServerRecipe;
import dev.echostages.tools.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bare servers keep the echo contract's basic points, so that the report's comparison with
 * the stages measures the same work: byte-exact lines, lines split across reads, the unterminated
 * tail echoed at end of stream, a mebibyte through a half-close, several clients at once. They
 * have no line limit, no output bound and no stop rules (that is what makes them bare), so the
 * shared suites' tests of those do not apply; the rest are asserted here.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("bareServers")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BareServersKeepTheBasicContractTest {
    private final ServerRecipe recipe;
    private RunningServer server;

    BareServersKeepTheBasicContractTest(String name, ServerRecipe recipe) {
        this.recipe = recipe;
    }

    static Stream<Arguments> bareServers() {
        return Stream.of(
                Arguments.of("bare selector", ServerRecipe.of(BareSelectorEchoServer.commandLine(), BareSelectorEchoServer::new)),
                Arguments.of("bare virtual threads",
                        ServerRecipe.of(BareVirtualThreadEchoServer.commandLine(), BareVirtualThreadEchoServer::new)),
                Arguments.of("bare NIO.2", ServerRecipe.of(BareNio2EchoServer.commandLine(), BareNio2EchoServer::new)));
    }

    @BeforeEach
    void startServer() throws Exception {
        server = recipe.start("--quiet");
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        server.close();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void linesComeBackByteExactWithTheirOwnTerminators() throws Exception {
        try (TestClient client = server.connect()) {
            for (String line : List.of("a\n", "crlf\r\n", "lone \r is data\n")) {
                client.send(line);
                assertArrayEquals(bytes(line), client.readExactly(bytes(line).length), line);
            }
        }
    }

    @Test
    void aLineInThreePiecesIsEchoedOnlyOnceItsNewlineArrives() throws Exception {
        try (TestClient client = server.connect()) {
            client.send("one ");
            client.send("line");
            assertTrue(client.receivesNothingWithin(Duration.ofMillis(200)), "nothing echoed before the \\n");
            client.send(" whole\n");
            assertArrayEquals(bytes("one line whole\n"), client.readExactly(15));
        }
    }

    @Test
    void hundredLinesInOneWriteComeBackInOrder() throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            lines.append("line ").append(i).append('\n');
        }
        try (TestClient client = server.connect()) {
            client.send(lines.toString());
            assertArrayEquals(bytes(lines.toString()), client.readExactly(bytes(lines.toString()).length));
        }
    }

    @Test
    void aMebibyteAndAnUnterminatedTailComeBackWholeThroughAHalfClose() throws Exception {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        for (int i = 0; sent.size() < 1 << 20; i++) {
            sent.writeBytes(bytes("line " + i + " of a mebibyte\n"));
        }
        sent.writeBytes(bytes("and a tail without a newline"));
        try (TestClient client = server.connect()) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    client.send(sent.toByteArray());
                    client.shutdownOutput();
                } catch (Exception failed) {
                    throw new IllegalStateException(failed);
                }
            });
            assertArrayEquals(sent.toByteArray(), client.readToEnd());
            writer.join();
        }
    }

    @Test
    void severalClientsAtOnceEachGetTheirOwnLines() throws Exception {
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                clients.add(server.connect());
            }
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < clients.size(); i++) {
                    clients.get(i).send("client " + i + " round " + round + "\n");
                }
                for (int i = 0; i < clients.size(); i++) {
                    byte[] expected = bytes("client " + i + " round " + round + "\n");
                    assertArrayEquals(expected, clients.get(i).readExactly(expected.length));
                }
            }
        } finally {
            for (TestClient client : clients) {
                client.close();
            }
        }
    }
}
