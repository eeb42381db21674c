package dev.echostages.stage3;

import dev.echostages.common.Bytes;
import dev.echostages.common.Closer;
import dev.echostages.common.CommandLine;
import dev.echostages.common.CpuMeter;
import dev.echostages.common.EchoServer;
import dev.echostages.common.LineFramer;
import dev.echostages.common.LineFramer.LineTooLongException;
import dev.echostages.common.Log;
import dev.echostages.common.Protocol;
import dev.echostages.common.ServerMain;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Stage 3: non-blocking sockets, polled in a busy loop.
 *
 * <p>Stage 2 stalled because every call could block: one silent client held up everybody. Here
 * nothing blocks. The listening channel and every client channel are non-blocking, so
 * {@code accept()} returns {@code null} when nobody is knocking and {@code read()} returns 0 when
 * a client has said nothing. One thread goes round and round: accept whoever is waiting, then give
 * every connection one turn (send what it is owed, read what it sent), then start again. Every client is
 * served, in whatever order they speak.
 *
 * <p>What you will see: run it, connect with {@code telnet localhost 8000} from two terminals and
 * both are answered at once, whoever speaks first. Every 5 seconds a stats line reports how many
 * times the loop went round and how much CPU the process used.
 *
 * <p>What goes wrong: that stats line. With nobody connected, or everybody silent, the loop still
 * goes round hundreds of thousands of times a second, asking sockets that have nothing to say, and burns a whole
 * CPU core doing it. Stage 4 lets the operating system tell us which sockets are ready (a
 * {@code Selector}) and sleeps in between.
 *
 * <p>Where the book's version is careless, this one is not: each connection keeps its own
 * unfinished line between turns (a {@link LineFramer}), echoes the kernel did not take yet wait in
 * the connection's outbox instead of being retried in a tight loop, a client that does not read
 * stops being read from (so it cannot make us hold unbounded data), and closed connections leave
 * the list.
 *
 * <p>Run: {@code ./mvnw -q -pl stage3-nonblocking-busyloop -am package -DskipTests exec:exec}.
 * The naive first attempt: append {@code -Dargs="--naive"} (see {@link NaiveNonBlockingEchoServer}).
 */
public final class BusyLoopEchoServer implements EchoServer {

    static CommandLine commandLine() {
        return new CommandLine("stage3-nonblocking-busyloop",
                "Echo server, stage 3: non-blocking sockets polled in a busy loop (watch the CPU).")
                .flag("--stats", true, "print loop passes per second and process CPU every interval")
                .intOption("--stats-interval", 5, 1, 3600, "seconds between stats lines")
                .flag("--naive", "run the naive first attempt instead (stage 2's loop, merely non-blocking); it fails");
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), (options, log) -> options.flag("--naive")
                ? new NaiveNonBlockingEchoServer(options, log)
                : new BusyLoopEchoServer(options, log));
    }

    /** One read per connection per turn, at most this many bytes; it also bounds the overshoot above the high mark. */
    private static final int READ_SIZE = 16 * 1024;
    private static final long ACCEPT_PAUSE_MILLIS = 100;
    private static final int BACKLOG = 1024;

    private final ServerSocketChannel listener;
    private final Log log;
    private final int maxLine;
    private final boolean stats;
    private final long statsIntervalNanos;
    /** Checked on every pass, so {@link #stop()} from another thread ends the loop within one pass. */
    private volatile boolean stopping;
    /** Only the loop thread touches the connections, so nothing here needs a lock. */
    private final List<Connection> connections = new ArrayList<>();
    /** One read buffer for everyone: the loop serves one connection at a time. */
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_SIZE);
    /** After a failed accept(), when to try again (System.nanoTime()). */
    private long acceptPausedUntil = System.nanoTime();

    public BusyLoopEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.stats = options.flag("--stats") && !log.quiet();
        this.statsIntervalNanos = options.intValue("--stats-interval") * 1_000_000_000L;
        listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        // Room for a burst of connects while the loop is busy, or off the CPU: with Java's default
        // backlog of 50, the 51st waiting client's SYN is dropped and its connect() stalls for a
        // whole second until TCP retransmits it.
        listener.bind(options.bindAddress(), BACKLOG);
        // The whole lesson in one call: from now on accept() returns null instead of waiting.
        listener.configureBlocking(false);
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.socket().getLocalSocketAddress(); // the channel's socket view does not throw
    }

    @Override
    public void serve() throws IOException {
        long passes = 0;
        var cpu = new CpuMeter();
        long lastReport = System.nanoTime();
        try {
            while (!stopping) {
                // Everyone waiting, not one per pass: the backlog drains every time round.
                while (acceptOne()) {
                    // keep accepting until accept() says nobody is left
                }
                for (Iterator<Connection> it = connections.iterator(); it.hasNext(); ) {
                    Connection connection = it.next();
                    if (!connection.takeTurn()) {
                        it.remove();
                    }
                }
                passes++;
                // Nothing above waited for anything: this loop never sleeps. The stats show the cost.
                if (stats && System.nanoTime() - lastReport >= statsIntervalNanos) {
                    double seconds = (System.nanoTime() - lastReport) / 1e9;
                    log.event(String.format("stats: %,d loop passes/s, CPU %.0f%% of a core, %d client%s",
                            Math.round(passes / seconds), 100 * cpu.coresSinceLastSample(),
                            connections.size(), connections.size() == 1 ? "" : "s"));
                    passes = 0;
                    lastReport = System.nanoTime();
                }
            }
        } finally {
            for (Connection connection : connections) {
                connection.close("closed by server shutdown");
            }
            connections.clear();
            Closer.close(listener, log);
        }
    }

    /** Accepts one waiting client, if any; true when it is worth asking again at once. */
    private boolean acceptOne() throws IOException {
        if (System.nanoTime() - acceptPausedUntil < 0) { // nanoTime values compare only by difference
            return false;
        }
        SocketChannel channel;
        try {
            channel = listener.accept(); // never waits: null when nobody is knocking
        } catch (ClosedChannelException closed) {
            if (stopping) {
                return false; // stop() closed the listener; the loop ends at the top of this pass
            }
            throw closed;
        } catch (IOException acceptFailed) {
            // Typically "Too many open files". The clients we have are still fine, so keep serving
            // them; but retrying on every pass would print this hundreds of thousands of times a
            // second, so new clients wait a little (the kernel keeps them in the backlog).
            log.warn("accept failed: " + acceptFailed.getMessage() + "; accepting again in " + ACCEPT_PAUSE_MILLIS + " ms");
            acceptPausedUntil = System.nanoTime() + ACCEPT_PAUSE_MILLIS * 1_000_000L;
            return false;
        }
        if (channel == null) {
            return false;
        }
        try {
            channel.configureBlocking(false);
            var connection = new Connection(channel, channel.getRemoteAddress());
            connections.add(connection);
            log.event(connection.address, "connected");
        } catch (IOException goneAlready) {
            // The client reset between the handshake and now: nothing to serve, nobody else affected.
            log.event("a client left before it was served: " + goneAlready.getMessage());
            Closer.close(channel, log);
        }
        return true;
    }

    @Override
    public void stop() {
        stopping = true;
        // The loop closes the clients itself (it owns them); closing the listener here also frees
        // the port when serve() was never called.
        Closer.close(listener, log);
    }

    /** One client: its channel, its unfinished line, and the echoes it has not taken yet. */
    private final class Connection {
        final SocketChannel channel;
        final SocketAddress address;
        final LineFramer framer = new LineFramer(maxLine);
        /** Echoes waiting for room in the kernel's send buffer, oldest first. */
        final ArrayDeque<ByteBuffer> outbox = new ArrayDeque<>();
        int outboxBytes;
        /** True while the outbox is too full to read more (between the high and the low mark). */
        boolean readingPaused;
        /** The client sent FIN, or broke the line limit: send what is owed, then close. */
        boolean inputFinished;
        /** Input ended with an overlong line: after the error reply, FIN before close. */
        boolean overlong;

        Connection(SocketChannel channel, SocketAddress address) {
            this.channel = channel;
            this.address = address;
        }

        /** One turn: send what we owe, read once, queue the echoes. False when the connection is done. */
        boolean takeTurn() {
            try {
                flushOutbox();
                if (!inputFinished && mayRead()) {
                    readOnce();
                    flushOutbox(); // the usual case: the echo goes out in the same turn
                }
                if (inputFinished && outbox.isEmpty()) {
                    if (overlong) {
                        channel.shutdownOutput(); // our error line, then FIN, before close() might reset
                        close("disconnected for an overlong line");
                    } else {
                        close("disconnected");
                    }
                    return false;
                }
                return true;
            } catch (IOException lost) {
                // A reset or broken pipe ends this client only; the others keep their turns.
                close("connection lost: " + lost.getMessage());
                return false;
            }
        }

        /**
         * The output bound: a client that sends but never reads would otherwise have us queue its
         * echoes forever. Above the high mark we stop reading it, so its bytes stay in the kernel,
         * the kernel's window closes and the client's writes stall; below the low mark we read
         * again. The gap keeps us from flapping on every byte.
         */
        private boolean mayRead() {
            if (!readingPaused && outboxBytes > Protocol.HIGH_WATER_MARK) {
                readingPaused = true;
                log.event(address, "not reading: " + outboxBytes + " bytes of echo unsent (client is not reading)");
            } else if (readingPaused && outboxBytes < Protocol.LOW_WATER_MARK) {
                readingPaused = false;
                log.event(address, "reading again: " + outboxBytes + " bytes unsent");
            }
            return !readingPaused;
        }

        private void readOnce() throws IOException {
            readBuffer.clear();
            int count = channel.read(readBuffer); // never waits: 0 when the client said nothing
            if (count == 0) {
                return;
            }
            if (count < 0) {
                inputFinished = true;
                // Half-close: bytes after the last \n are still the client's data; echo them too.
                byte[] tail = framer.takeUnterminated();
                if (tail.length > 0) {
                    log.event(address, "end of stream, echoing unterminated tail: " + Bytes.visible(tail));
                    queue(ByteBuffer.wrap(tail));
                }
                return;
            }
            readBuffer.flip();
            try {
                framer.feed(readBuffer, line -> {
                    if (!log.quiet()) { // spares building the text when benchmarks run with --quiet
                        log.event(address, "echoing: " + Bytes.visible(line));
                    }
                    queue(line);
                });
            } catch (LineTooLongException tooLong) {
                log.warn(address, tooLong.getMessage() + ": sending an error and disconnecting");
                queue(ByteBuffer.wrap(Protocol.lineTooLongReply(maxLine)));
                inputFinished = true;
                overlong = true;
            }
        }

        /** The framer's buffer is only lent to us, so the echo is copied before it waits. */
        private void queue(ByteBuffer bytes) {
            ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).put(bytes).flip();
            outbox.add(copy);
            outboxBytes += copy.remaining();
        }

        /**
         * A non-blocking write takes what fits in the kernel's send buffer, possibly less than
         * offered, possibly nothing. What is left stays in the outbox for the next turn: retrying
         * here until it all went out would be spinning on one client while the others wait.
         */
        private void flushOutbox() throws IOException {
            while (!outbox.isEmpty()) {
                ByteBuffer head = outbox.peek();
                outboxBytes -= channel.write(head);
                if (head.hasRemaining()) {
                    return; // the kernel is full; try again next turn
                }
                outbox.poll();
            }
        }

        void close(String why) {
            log.event(address, why);
            Closer.close(channel, log);
        }
    }
}
