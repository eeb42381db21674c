package dev.echostages.tools.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.echostages.common.Protocol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CONTRACT 14, against a stage's real server (stages 2 to 5): all clients together have one
 * memory budget ({@code --max-buffered-mib}); over it, the client holding the most gets its own
 * reply and is closed, and everybody else carries on. Each client's line here is legal
 * ({@code --max-line} 4 MiB): without the budget a few such clients take the whole heap.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public abstract class MemoryBudgetContract {
    private static final int KIB = 1024;

    private final ServerRecipe recipe;

    protected MemoryBudgetContract(ServerRecipe recipe) {
        this.recipe = recipe;
    }

    /** False for stage 2, which reads one client at a time: only that one can hold a line begun. */
    protected boolean servesClientsConcurrently() {
        return true;
    }

    private RunningServer start() throws IOException {
        return recipe.start("--max-buffered-mib", "1", "--max-line", Integer.toString(4 * KIB * KIB));
    }

    private static CompletableFuture<Void> sendInBackground(TestClient client, byte[] bytes) {
        return CompletableFuture.runAsync(() -> {
            try {
                client.send(bytes);
            } catch (IOException closedUnderUs) {
                // The server closes this client once it is over the budget: what counts is the reply.
            }
        });
    }

    @Test
    void aLegalLineThatOutgrowsTheBudgetGetsItsOwnReplyAndTheServerCarriesOn() throws Exception {
        try (RunningServer server = start(); TestClient greedy = server.connect()) {
            var writer = sendInBackground(greedy, "g".repeat(1536 * KIB).getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals(Protocol.overBudgetReply(), greedy.readToEnd());
            writer.get(10, TimeUnit.SECONDS);
            try (TestClient honest = server.connect()) {
                honest.send("still served\n");
                assertArrayEquals("still served\n".getBytes(StandardCharsets.US_ASCII), honest.readLine());
            }
        }
    }

    @Test
    void overTheBudgetTheClientHoldingTheMostGoesNotTheOneThatTippedItOver() throws Exception {
        assumeTrue(servesClientsConcurrently(), "this stage reads one client at a time (see its README)");
        byte[] smallLine = "s".repeat(300 * KIB).getBytes(StandardCharsets.US_ASCII);
        try (RunningServer server = start(); TestClient large = server.connect(); TestClient small = server.connect()) {
            var writer = sendInBackground(large, "L".repeat(700 * KIB).getBytes(StandardCharsets.US_ASCII));
            writer.get(10, TimeUnit.SECONDS);
            Thread.sleep(300); // the server has read the large line's 700 KiB: it holds them
            small.send(smallLine); // its arrays tip the sum over 1 MiB
            assertArrayEquals(Protocol.overBudgetReply(), large.readToEnd());
            small.send("\n");
            small.setReadTimeout(Duration.ofSeconds(10));
            byte[] echo = small.readExactly(smallLine.length + 1);
            assertArrayEquals((new String(smallLine, StandardCharsets.US_ASCII) + "\n").getBytes(StandardCharsets.US_ASCII), echo);
        }
    }
}
