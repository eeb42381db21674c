package dev.echostages.stage3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.common.EchoServer;
import dev.echostages.common.ServerOptions;
import dev.echostages.common.testing.LogRecorder;
import dev.echostages.tools.testing.TestClient;
import dev.echostages.tools.testing.ThreadCpu;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The naive first attempt fails, and these tests prove how: Java's non-blocking calls do not
 * raise like Python's, they return null or 0, and blocking-style code misreads both.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class NaiveNonBlockingEchoServerTest {

    private static EchoServer naiveServer() throws Exception {
        ServerOptions options = BusyLoopEchoServer.commandLine().parse("--host", "127.0.0.1", "--port", "0", "--naive");
        return new NaiveNonBlockingEchoServer(options, new LogRecorder().log());
    }

    /** Runs {@code serve()} on a platform thread of its own (ThreadMXBean can measure it). */
    private static Thread serveInBackground(EchoServer server, CompletableFuture<Void> outcome) {
        Thread thread = new Thread(() -> {
            try {
                server.serve();
                outcome.complete(null);
            } catch (Throwable failure) {
                outcome.completeExceptionally(failure);
            }
        }, "naive-server");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Test
    void acceptReturnsNullSoTheNaiveLoopDiesWithNullPointerException() throws Exception {
        EchoServer server = naiveServer();
        var outcome = new CompletableFuture<Void>();
        serveInBackground(server, outcome);
        try {
            ExecutionException died = assertThrows(ExecutionException.class,
                    () -> outcome.get(5, TimeUnit.SECONDS));
            // Not a "would block" error at accept() like Python's: a null, used one line later.
            var npe = assertInstanceOf(NullPointerException.class, died.getCause());
            assertTrue(npe.getMessage().contains("configureBlocking"), npe.getMessage());
            assertTrue(npe.getMessage().contains("is null"), npe.getMessage());
        } finally {
            server.stop();
        }
    }

    @Test
    void readReturnsZeroSoTheNaiveLoopSpinsOnOneClientAndServesNobodyElse() throws Exception {
        EchoServer server = naiveServer();
        // Both clients connect before the loop starts, so the first accept() finds one waiting
        // (the kernel queues them in the listen backlog) and the loop gets past the null.
        try (TestClient first = TestClient.connect(server.localAddress());
                TestClient second = TestClient.connect(server.localAddress())) {
            first.send("half a line");
            second.send("hello\n");
            var outcome = new CompletableFuture<Void>();
            Thread loop = serveInBackground(server, outcome);
            try {
                // read() on the first client returns 0 again and again: the loop spins there.
                ThreadCpu.Sample busiest = ThreadCpu.busiestSecond(loop, 3);
                System.out.println("naive loop thread: " + busiest);
                assertTrue(busiest.spinning(), "the naive loop used only " + busiest);
                assertTrue(second.receivesNothingWithin(Duration.ofMillis(300)), "second client was served");

                // The first client finishes its line: it is echoed, the next pass accepts the
                // second client, and the loop spins on the (again silent) first one. Still nothing.
                first.send(", finished\n");
                assertArrayEquals("half a line, finished\n".getBytes(StandardCharsets.US_ASCII), first.readLine());
                assertTrue(second.receivesNothingWithin(Duration.ofMillis(500)), "second client was served");
            } finally {
                server.stop(); // closes the channel it spins on: read() throws and serve() returns
            }
            outcome.get(5, TimeUnit.SECONDS);
        }
    }
}
