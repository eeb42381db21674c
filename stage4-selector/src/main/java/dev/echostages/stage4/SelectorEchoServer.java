package dev.echostages.stage4;

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
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Stage 4: one thread, a {@link Selector}, many clients.
 *
 * <p>Stage 3 asked every socket, over and over, "anything for me?" and burned a core doing it.
 * Here the thread asks the operating system once: {@code select()} sleeps in the kernel (epoll on
 * Linux) until at least one socket is ready, and hands back exactly those. One thread serves every
 * client, and while they are silent it costs nothing. This loop is what an event loop is: asyncio's,
 * Netty's, Node's.
 *
 * <p>What you will see: three telnets served at once, and with {@code --idle-ticks} a line each
 * second the loop spent asleep with nothing to do, the opposite of stage 3's spinning counter.
 *
 * <p>What goes wrong: every handler runs on this one thread, so a handler that blocks (a slow
 * computation, a blocking call, here a {@code sleep 2} line honoured under {@code --debug}) freezes
 * every other client until it returns. {@code --debug} times each handler and names the culprit,
 * like asyncio's debug mode. Stage 5 keeps the loop but stops writing it by hand.
 *
 * <p>Run: {@code ./mvnw -q -pl stage4-selector -am package -DskipTests exec:exec}, then
 * {@code telnet localhost 8000} in a few other terminals.
 */
public final class SelectorEchoServer implements EchoServer {

    static CommandLine commandLine() {
        return new CommandLine("stage4-selector", "Echo server, stage 4: one thread, a Selector, many clients.")
                .flag("--idle-ticks",
                        "log a line each time a one-second select() returns with nothing ready (the book's listing does)")
                .flag("--debug",
                        "asyncio-style debug mode: warn when a handler holds the loop too long; honour 'sleep N' lines")
                .intOption("--slow-callback-ms", 100, 1, 60_000,
                        "with --debug, warn when one handler holds the loop longer than this");
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), SelectorEchoServer::new);
    }

    /**
     * At most this many bytes are read from one client per readiness event: the fairness bound.
     * The selector is level-triggered, so whatever is left is reported again on the next round,
     * after every other ready client has had its turn.
     */
    static final int READ_BUDGET = 16 * 1024;
    /** Connections accepted per readiness of the listener, so a connect storm cannot starve the clients. */
    private static final int ACCEPT_BUDGET = 64;
    private static final long FIRST_ACCEPT_BACKOFF_MS = 50;
    private static final long MAX_ACCEPT_BACKOFF_MS = 1_000;
    private static final long IDLE_TICK_MS = 1_000;
    /** Longer lines are logged shortened: a projector shows about this much. */
    private static final int LOGGED_LINE_BYTES = 80;
    /** Longest {@code sleep N} honoured in debug mode, so a typo cannot freeze the demo for an hour. */
    private static final double MAX_SLEEP_SECONDS = 60;

    private final ServerSocketChannel listener;
    private final Selector selector;
    private final SelectionKey listenerKey;
    private final Log log;
    private final int maxLine;
    private final boolean idleTicks;
    private final boolean debug;
    private final long slowHandlerNanos;
    /**
     * One read buffer and one echo buffer for the whole loop, reused for every client: only one
     * handler runs at a time. Direct, so the kernel copies straight into and out of them (a heap
     * buffer would be copied through a temporary direct one on every call).
     */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUDGET);
    private final ByteBuffer echoBatch;
    private final Consumer<SelectionKey> handler = this::handle;
    /** Set by {@link #stop()} from any thread; the loop checks it after each {@code select()}. */
    private volatile boolean stopping;
    private int clients;
    private long acceptBackoffMs;
    private long acceptsResumeAt;
    private boolean acceptsPaused;

    public SelectorEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.idleTicks = options.flag("--idle-ticks");
        this.debug = options.flag("--debug");
        this.slowHandlerNanos = options.intValue("--slow-callback-ms") * 1_000_000L;
        // The complete lines of one read: up to READ_BUDGET new bytes plus an unfinished line
        // (shorter than maxLine) carried over from earlier reads.
        this.echoBatch = ByteBuffer.allocateDirect(READ_BUDGET + maxLine);
        selector = Selector.open();
        listener = ServerSocketChannel.open();
        try {
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true); // restart without waiting out TIME_WAIT
            // A burst of connects waits in the kernel's queue (and during an accept back-off)
            // instead of being refused.
            listener.bind(options.bindAddress(), 1024);
            listener.configureBlocking(false);
            listenerKey = listener.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException failed) {
            Closer.close(listener, log);
            Closer.close(selector, log);
            throw failed;
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.socket().getLocalSocketAddress(); // the channel's socket view does not throw
    }

    @Override
    public void serve() throws IOException {
        try {
            while (!stopping) {
                if (Thread.currentThread().isInterrupted()) {
                    // An interrupted thread's select() returns at once, every time: the loop would
                    // spin. Stopping is what stop() is for; an interrupt is treated the same way.
                    log.warn("selector thread interrupted: stopping");
                    break;
                }
                long timeout = selectTimeoutMillis();
                long asleepSince = idleTicks ? System.nanoTime() : 0;
                long cpuBefore = idleTicks ? CpuMeter.threadCpuNanos(Thread.currentThread()) : 0;
                // select(Consumer) hands each ready key to the handler and clears it. With the
                // classic selectedKeys() loop you must remove every key yourself, or it stays
                // selected and is handled again next round with readiness that is long gone.
                int handled = selector.select(handler, timeout);
                if (handled == 0 && idleTicks && !stopping) {
                    reportIdleTick(asleepSince, cpuBefore);
                }
                resumeAcceptingWhenDue();
            }
        } finally {
            closeEverything();
        }
    }

    /** The book's "no events" line, with what the second of sleep cost: nothing, measured. */
    private void reportIdleTick(long asleepSince, long cpuBefore) {
        long asleepNanos = System.nanoTime() - asleepSince;
        if (asleepNanos < IDLE_TICK_MS * 1_000_000 * 9 / 10) {
            return; // woken early (an accept back-off ending), not a tick
        }
        long cpuNanos = CpuMeter.threadCpuNanos(Thread.currentThread()) - cpuBefore;
        log.event(String.format(Locale.ROOT, "select() returned with no events after %.1f s asleep in the kernel (loop thread CPU: %.2f ms)",
                asleepNanos / 1e9, cpuNanos / 1e6));
    }

    /** 0 (sleep until something is ready) unless a tick or the end of an accept back-off is due. */
    private long selectTimeoutMillis() {
        long timeout = idleTicks ? IDLE_TICK_MS : 0;
        if (acceptsPaused) {
            long untilResume = Math.max(1, (acceptsResumeAt - System.nanoTime() + 999_999) / 1_000_000);
            timeout = timeout == 0 ? untilResume : Math.min(timeout, untilResume);
        }
        return timeout;
    }

    /** Everything the loop does for one ready key; in debug mode, timed like asyncio's callbacks. */
    private void handle(SelectionKey key) {
        long started = debug ? System.nanoTime() : 0;
        // A key can be cancelled between select() and here (its channel closed): asking a
        // cancelled key about readiness throws, so validity comes first.
        if (!key.isValid()) {
            return;
        }
        Connection connection = (Connection) key.attachment();
        if (connection == null) {
            acceptClients();
        } else {
            serveClient(key, connection);
        }
        if (debug) {
            long took = System.nanoTime() - started;
            if (took > slowHandlerNanos) {
                SocketAddress who = connection == null ? listenerAddress() : connection.address;
                log.warn(who, "handler held the event loop for " + took / 1_000_000 + " ms (over --slow-callback-ms "
                        + slowHandlerNanos / 1_000_000 + "): no other client was served meanwhile");
            }
        }
    }

    private void acceptClients() {
        for (int i = 0; i < ACCEPT_BUDGET; i++) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException failed) {
                backOffAccepting(failed);
                return;
            }
            if (channel == null) {
                return; // the queue of waiting connections is empty
            }
            acceptBackoffMs = 0;
            try {
                channel.configureBlocking(false);
                // Each write already carries every complete line of a read; Nagle's algorithm
                // would only hold the next one back waiting for an ACK.
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                var connection = new Connection(channel, channel.getRemoteAddress(), new LineFramer(maxLine));
                connection.toEchoBatch = line -> queueLine(connection, line);
                channel.register(selector, SelectionKey.OP_READ, connection);
                clients++;
                log.event(connection.address, "connected (" + clients + (clients == 1 ? " client)" : " clients)"));
            } catch (IOException failed) {
                // The client may already be gone (reset before we got to it): drop it, keep going.
                log.warn("setting up an accepted connection failed: " + failed);
                Closer.close(channel, log);
            }
        }
    }

    /**
     * accept() failed, most likely "Too many open files". The connection stays queued in the
     * kernel, so the listener stays ready: retrying at once would spin at 100% CPU. Stop watching
     * the listener for a while instead (longer each time in a row), and keep it open, so waiting
     * clients are served as soon as descriptors are free again.
     */
    private void backOffAccepting(IOException failed) {
        acceptBackoffMs = acceptBackoffMs == 0 ? FIRST_ACCEPT_BACKOFF_MS : Math.min(MAX_ACCEPT_BACKOFF_MS, acceptBackoffMs * 2);
        acceptsPaused = true;
        acceptsResumeAt = System.nanoTime() + acceptBackoffMs * 1_000_000;
        listenerKey.interestOps(0);
        log.warn(listenerAddress(), "accept failed (" + failed.getMessage() + "): not accepting for "
                + acceptBackoffMs + " ms; new clients wait in the kernel's queue (" + clients + " clients connected)");
    }

    private void resumeAcceptingWhenDue() {
        if (acceptsPaused && System.nanoTime() - acceptsResumeAt >= 0) {
            acceptsPaused = false;
            listenerKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    private void serveClient(SelectionKey key, Connection connection) {
        try {
            if (key.isWritable()) {
                writePending(key, connection);
            }
            if (key.isValid() && key.isReadable()) { // the write may have closed it
                readAndEcho(key, connection);
            }
        } catch (IOException lost) {
            // A reset or a broken pipe: the end of this client, nobody else's business.
            finish(connection, "connection lost: " + lost.getMessage());
        } catch (RuntimeException bug) {
            log.error(connection.address, "unexpected failure in its handler; closing this client only", bug);
            finish(connection, "closed after an unexpected failure");
        }
    }

    private void readAndEcho(SelectionKey key, Connection connection) throws IOException {
        readBuffer.clear();
        int count = connection.channel.read(readBuffer); // at most READ_BUDGET bytes: the fairness bound
        if (count < 0) {
            endOfStream(key, connection);
            return;
        }
        readBuffer.flip();
        echoBatch.clear();
        LineTooLongException tooLong = null;
        try {
            connection.framer.feed(readBuffer, connection.toEchoBatch);
        } catch (LineTooLongException overflow) {
            tooLong = overflow; // the lines before it are in the batch and still get their echo
        }
        echoBatch.flip();
        send(connection, echoBatch);
        if (tooLong != null) {
            log.warn(connection.address, tooLong.getMessage() + ": sending an error and disconnecting");
            send(connection, ByteBuffer.wrap(Protocol.lineTooLongReply(maxLine)));
            connection.closeWhenFlushed = true;
            connection.overlong = true;
        }
        settle(key, connection);
    }

    /** The framer's sink: one complete line, terminator included, into this read's echo batch. */
    private void queueLine(Connection connection, ByteBuffer line) {
        if (debug) {
            sleepIfAsked(connection, line);
        }
        if (!log.quiet()) { // build no log text at all when nobody will see it
            log.event(connection.address, "echo " + loggable(line));
        }
        echoBatch.put(line);
    }

    /** A line as the log shows it: whole if short, otherwise its start and its length. */
    private static String loggable(ByteBuffer line) {
        if (line.remaining() <= LOGGED_LINE_BYTES) {
            return Bytes.visible(line);
        }
        return Bytes.visible(line.slice(line.position(), LOGGED_LINE_BYTES / 2)) + "... (" + line.remaining() + " bytes)";
    }

    /**
     * Writes at once: a socket with room in its send buffer takes everything, and then the loop
     * never has to wait for OP_WRITE at all. Only what the kernel refused is kept, behind anything
     * already waiting, so the order of the bytes never changes.
     */
    private void send(Connection connection, ByteBuffer data) throws IOException {
        if (!data.hasRemaining()) {
            return;
        }
        if (connection.pendingBytes() == 0) {
            connection.channel.write(data);
        }
        if (data.hasRemaining()) {
            connection.keep(data);
        }
    }

    private void writePending(SelectionKey key, Connection connection) throws IOException {
        connection.writePending();
        settle(key, connection);
    }

    /** A read of -1: the client shut its output. Its unfinished line is still its data: echo it, flush, close. */
    private void endOfStream(SelectionKey key, Connection connection) throws IOException {
        byte[] tail = connection.framer.takeUnterminated();
        if (tail.length > 0) {
            log.event(connection.address, "end of stream, echoing unterminated tail: " + Bytes.visible(tail));
            send(connection, ByteBuffer.wrap(tail));
        } else {
            log.event(connection.address, "end of stream");
        }
        connection.closeWhenFlushed = true;
        settle(key, connection);
    }

    /**
     * After every read or write: close the connection if it is done, otherwise say what the loop
     * should wait for.
     *
     * <p>OP_WRITE only while output is pending. A socket is writable almost all the time, so a key
     * that kept OP_WRITE with nothing to send would make every select() return at once: stage 3's
     * spinning, back in disguise.
     *
     * <p>OP_READ only while the unsent echo is below the high-water mark (resumed below the low
     * one): a client that sends without reading then fills its own TCP buffers and stalls, and the
     * server holds at most about 64 KiB for it, whatever it sends.
     */
    private void settle(SelectionKey key, Connection connection) throws IOException {
        int pending = connection.pendingBytes();
        if (pending == 0 && connection.closeWhenFlushed) {
            if (connection.overlong) {
                // FIN right after the error line, before close(); unread input makes close() send a reset.
                connection.channel.shutdownOutput();
            }
            finish(connection, connection.overlong ? "disconnected for an overlong line" : "disconnected");
            return;
        }
        if (!connection.readPaused && pending > Protocol.HIGH_WATER_MARK) {
            connection.readPaused = true;
            log.event(connection.address, pending / 1024 + " KiB of echo unsent: not reading until it drains");
        } else if (connection.readPaused && pending < Protocol.LOW_WATER_MARK) {
            connection.readPaused = false;
            log.event(connection.address, "echo drained to " + pending / 1024 + " KiB: reading again");
        }
        boolean wantsInput = !connection.readPaused && !connection.closeWhenFlushed;
        int interest = (wantsInput ? SelectionKey.OP_READ : 0) | (pending > 0 ? SelectionKey.OP_WRITE : 0);
        if (key.interestOps() != interest) {
            key.interestOps(interest);
        }
    }

    private void finish(Connection connection, String outcome) {
        Closer.close(connection.channel, log); // also cancels its key
        clients--;
        log.event(connection.address, outcome + " (" + clients + (clients == 1 ? " client left)" : " clients left)"));
    }

    /**
     * Debug mode only: a line {@code sleep N} (seconds, decimals allowed) blocks the loop thread
     * for N seconds, on purpose, so the class can watch every other client freeze. This is the
     * {@code time.sleep()} inside a coroutine that asyncio's debug mode exists to catch.
     */
    private void sleepIfAsked(Connection connection, ByteBuffer line) {
        if (line.remaining() < 8 || line.remaining() > 32 || line.get(line.position()) != 's') {
            return;
        }
        String text = StandardCharsets.US_ASCII.decode(line.duplicate()).toString().strip();
        if (!text.startsWith("sleep ")) {
            return;
        }
        double seconds;
        try {
            seconds = Double.parseDouble(text.substring("sleep ".length()));
        } catch (NumberFormatException notANumber) {
            return; // an ordinary line that happens to start with "sleep": echoed like any other
        }
        if (!(seconds > 0 && seconds <= MAX_SLEEP_SECONDS)) {
            log.warn(connection.address, "ignoring '" + text + "': sleep takes 0 to " + MAX_SLEEP_SECONDS + " seconds");
            return;
        }
        log.warn(connection.address, "'" + text + "': blocking the event loop thread on purpose (--debug)");
        try {
            Thread.sleep((long) (seconds * 1000));
        } catch (InterruptedException interrupted) {
            // Nobody interrupts this thread but to end it: keep the flag, the loop stops on it.
            Thread.currentThread().interrupt();
            log.warn(connection.address, "sleep interrupted");
        }
    }

    private SocketAddress listenerAddress() {
        return listener.socket().getLocalSocketAddress();
    }

    @Override
    public void stop() {
        // Only the loop thread touches channels; stop() just asks it to leave. wakeup() makes the
        // select() in progress (or the next one) return at once.
        stopping = true;
        selector.wakeup();
    }

    private void closeEverything() {
        int open = 0;
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() != null) {
                open++;
            }
            Closer.close(key.channel(), log);
        }
        Closer.close(listener, log);
        Closer.close(selector, log);
        log.event("closed the listener and " + open + (open == 1 ? " client" : " clients"));
    }
}
