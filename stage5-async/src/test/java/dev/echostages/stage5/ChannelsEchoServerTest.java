package dev.echostages.stage5;

import dev.echostages.common.Addresses;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.common.Protocol;
import dev.echostages.tools.testing.RunningServer;
import dev.echostages.tools.testing.TestClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The stage 5 lessons against the completion-handler server ({@code --server channels}), plus the
 * ones that belong to its callback style: the guard that keeps a handler's exception from killing
 * a group thread, backpressure done by not re-arming a read, the grace period that serves clients
 * instead of guessing which are idle, and a channel group that is really gone after a stop.
 */
class ChannelsEchoServerTest extends AsyncServerLessons {
    @Override
    protected String serverName() {
        return "channels";
    }

    private static List<String> groupThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("channels-"))
                .toList();
    }

    @Test
    void boomIsCaughtByTheGuardSoNoGroupThreadDies() throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        try (RunningServer server = start(); TestClient victim = server.connect(); TestClient bystander = server.connect()) {
            for (int i = 0; i < 3; i++) {
                try (TestClient client = server.connect()) {
                    client.send("boom\n");
                    assertTrue(client.closedByServerWithin(Duration.ofSeconds(5)));
                }
            }
            victim.send("boom\r\n");
            assertTrue(victim.closedByServerWithin(Duration.ofSeconds(5)));
            server.log().await(line -> line.contains("read handler failed, closing this client"), Duration.ofSeconds(5));

            bystander.send("still fine?\n");
            assertArrayEquals(bytes("still fine?\n"), bystander.readLine());
            // An exception escaping a handler would kill its thread and the JDK would start
            // "channels-3", "channels-4"...: four failures, and still only the original threads.
            for (String name : groupThreads()) {
                int number = Integer.parseInt(name.substring("channels-".length()));
                assertTrue(number <= threads, "a group thread was replaced: " + groupThreads());
            }
            assertFalse(server.log().contains("uncaught"), "an exception escaped a handler");
        }
    }

    @Test
    void clientThatStopsReadingIsPausedAboveTheHighWaterMarkAndResumedBelowTheLowOne() throws Exception {
        // 8,000-byte lines: few enough that the per-line log stays small, big enough to fill buffers.
        byte[] line = new byte[8000];
        Arrays.fill(line, (byte) 'x');
        line[line.length - 1] = '\n';
        int lines = 2000; // 16 MB: more than the socket buffers of both ends hold
        try (RunningServer server = start(); TestClient client = server.connect()) {
            AtomicLong written = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = client.socket().getOutputStream();
                    for (int i = 0; i < lines; i++) {
                        out.write(line);
                        written.addAndGet(line.length);
                    }
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            String paused = server.log().await("not reading:", Duration.ofSeconds(10));
            int unsentWhenPaused = kibIn(paused) * 1024;
            // Above the high mark, but by no more than one read's worth of echo.
            assertTrue(unsentWhenPaused >= Protocol.HIGH_WATER_MARK, paused);
            assertTrue(unsentWhenPaused <= Protocol.HIGH_WATER_MARK + ReadBuffer.MAX + line.length, paused);

            InputStream in = client.input();
            byte[] chunk = new byte[64 * 1024];
            long received = 0;
            int n;
            while ((n = in.read(chunk)) >= 0) {
                for (int i = 0; i < n; i++) {
                    byte expected = (received + i) % line.length == line.length - 1 ? (byte) '\n' : (byte) 'x';
                    if (chunk[i] != expected) {
                        throw new AssertionError("byte " + (received + i) + " differs");
                    }
                }
                received += n;
            }
            writer.get(10, TimeUnit.SECONDS);
            assertEquals((long) lines * line.length, received, "bytes echoed");

            String resumed = server.log().await("reading again:", Duration.ofSeconds(1));
            assertTrue(kibIn(resumed) * 1024 <= Protocol.LOW_WATER_MARK, resumed);
            // Pausing and resuming many times over, and never a second read or write at once.
            assertFalse(server.log().contains("ERROR"), "a handler failed");
        }
    }

    private static int kibIn(String logLine) {
        Matcher number = Pattern.compile("(\\d+) KiB of echo unsent").matcher(logLine);
        assertTrue(number.find(), logLine);
        return Integer.parseInt(number.group(1));
    }

    /** An idle client does not hold up a stop: closed at once, and stop() returns long before the grace. */
    @Test
    void atTheStopAnIdleClientIsClosedAtOnce() throws Exception {
        try (RunningServer server = start("--grace-ms", "10000"); TestClient quiet = server.connect()) {
            quiet.send("hello\n");
            assertArrayEquals(bytes("hello\n"), quiet.readLine());
            long started = System.nanoTime();
            server.server().stop();
            long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(stopMillis < 2_000, "stop() took " + stopMillis + " ms with one idle client");
            assertTrue(quiet.closedByServerWithin(Duration.ofSeconds(1)));
            assertTrue(server.log().contains("closed at the stop, idle"), String.join("\n", server.log().lines()));
        }
    }

    @Test
    void stopReturnsAsSoonAsTheLastClientHasLeftNotAtTheDeadline() throws Exception {
        long graceMillis = 10_000;
        try (RunningServer server = start("--grace-ms", Long.toString(graceMillis)); TestClient client = server.connect()) {
            client.send("first\nsecond, unterminated");
            assertArrayEquals(bytes("first\n"), client.readLine());
            long started = System.nanoTime();
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> server.server().stop());
            server.log().await("not reading new input", Duration.ofSeconds(2));
            client.shutdownOutput(); // the client finishes: its tail is echoed, then EOF
            assertArrayEquals(bytes("second, unterminated"), client.readToEnd());
            stop.get(5, TimeUnit.SECONDS);
            long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(stopMillis < 3000, "stop() took " + stopMillis + " ms although the client left at once");
            assertTrue(server.log().contains("every client has finished"));
        }
    }

    /** Debug mode on a completion handler: sleeping or spinning, it holds a group thread, and the warning names its client. */
    @Test
    void aHandlerThatSleepsOrSpinsHoldsAGroupThreadAndIsNamed() throws Exception {
        try (RunningServer server = start("--debug"); TestClient holder = server.connect()) {
            String holderAddress = Addresses.of(holder.socket().getLocalSocketAddress());
            holder.send("sleep 1\n");
            assertArrayEquals(bytes("sleep 1\n"), holder.readLine());
            // The warning comes once the handler returns. Sending the next line before that would
            // let the JDK complete the next read inside the same handler call, and time both as one.
            String blocked = server.log().await(line -> line.contains("held thread channels-") && line.contains("blocked"), Duration.ofSeconds(5));
            holder.send("spin 1\n");
            assertArrayEquals(bytes("spin 1\n"), holder.readLine());
            String computing = server.log().await(line -> line.contains("held thread channels-") && line.contains("computing"), Duration.ofSeconds(5));
            assertTrue(blocked.contains(holderAddress) && computing.contains(holderAddress), blocked + "\n" + computing);
        }
    }

    @Test
    void afterStopTheChannelGroupAndItsThreadsAreGone() throws Exception {
        try (RunningServer server = start("--grace-ms", "300"); TestClient client = server.connect()) {
            client.send("hi\n");
            assertArrayEquals(bytes("hi\n"), client.readLine());
            assertFalse(groupThreads().isEmpty(), "no group threads while serving?");
            server.server().stop();
            // The pool reports termination from inside its last worker, which then still has to
            // return from run(): allow it a moment to be gone.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (!groupThreads().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(groupThreads().isEmpty(), "threads left after stop: " + groupThreads());
            assertTrue(server.log().contains("channel group terminated"));
            assertTrue(client.closedByServerWithin(Duration.ofSeconds(1)));
        }
    }

    @Test
    void everyStepOfTheStopIsLogged() throws Exception {
        try (RunningServer server = start("--grace-ms", "300"); TestClient midLine = server.connect()) {
            // One write: once the whole line is echoed, the half line after it has been read too.
            midLine.send("whole\nhalf a li");
            assertArrayEquals(bytes("whole\n"), midLine.readLine());
            server.server().stop();
            List<String> steps = server.log().lines().stream().filter(line -> line.contains("stop:")).toList();
            String all = String.join("\n", steps);
            assertTrue(all.contains("listening socket closed, new connections are refused"), all);
            assertTrue(all.contains("1 client connected; not reading new input"), all);
            assertTrue(all.contains("grace period over, closing 1 client still mid-line, mid-write or draining"), all);
            assertTrue(all.contains("channel group terminated"), all);
            assertTrue(server.log().contains("closed at the end of the grace period"));
        }
    }

    /**
     * Why {@link HandlerGuard} exists, shown on a bare NIO.2 server without it: the exception is
     * printed by the dying thread (no client address), nobody closes the channel, and the client
     * waits for an answer that never comes. The book's "Task exception was never retrieved".
     */
    @Test
    void withoutTheGuardAnEscapingExceptionLeavesItsClientHanging() throws Exception {
        List<Throwable> reachedTheThread = new CopyOnWriteArrayList<>();
        AsynchronousChannelGroup group = AsynchronousChannelGroup.withFixedThreadPool(1, work -> {
            Thread thread = new Thread(work, "unguarded");
            thread.setDaemon(true);
            // Instead of the JDK's default (print the trace to stderr), keep what the thread saw.
            thread.setUncaughtExceptionHandler((dead, failure) -> reachedTheThread.add(failure));
            return thread;
        });
        try {
            AsynchronousServerSocketChannel listener = AsynchronousServerSocketChannel.open(group)
                    .bind(new InetSocketAddress("127.0.0.1", 0));
            listener.accept(null, new CompletionHandler<AsynchronousSocketChannel, Void>() {
                @Override
                public void completed(AsynchronousSocketChannel channel, Void unused) {
                    channel.read(ByteBuffer.allocate(100), null, new CompletionHandler<Integer, Void>() {
                        @Override
                        public void completed(Integer count, Void unused) {
                            throw new IllegalStateException("boom requested by client"); // and no guard
                        }

                        @Override
                        public void failed(Throwable failure, Void unused) {
                            reachedTheThread.add(failure);
                        }
                    });
                }

                @Override
                public void failed(Throwable failure, Void unused) {
                    reachedTheThread.add(failure);
                }
            });
            try (TestClient client = TestClient.connect((InetSocketAddress) listener.getLocalAddress())) {
                client.send("boom\n");
                // No echo, no error line, no EOF: the client just waits.
                assertTrue(client.receivesNothingWithin(Duration.ofMillis(700)), "the unguarded server answered");
            }
            assertEquals(1, reachedTheThread.size(), () -> "seen by the thread: " + reachedTheThread);
            assertEquals("boom requested by client", reachedTheThread.getFirst().getMessage());
        } finally {
            group.shutdownNow();
        }
    }
}
