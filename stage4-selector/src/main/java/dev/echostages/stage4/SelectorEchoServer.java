package dev.echostages.stage4;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.Clients;
import dev.echostages.common.Closer;
import dev.echostages.common.CommandLine;
import dev.echostages.common.CpuMeter;
import dev.echostages.common.EchoServer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
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
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * like asyncio's debug mode ({@link DebugMode}). Stage 5 keeps the loop but stops writing it by hand.
 *
 * <p>Each client's unfinished line and unsent echo live in its {@link EchoSession}, exactly as in
 * stage 3: the difference between the two stages is only who decides when to read and write.
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
                        "asyncio-style debug mode: warn when a handler holds the loop too long; honour 'sleep N' and 'spin N' lines")
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
    private static final long IDLE_TICK_MS = 1_000;

    private final ServerSocketChannel listener;
    private final Selector selector;
    private final SelectionKey listenerKey;
    private final Log log;
    private final int maxLine;
    private final boolean idleTicks;
    private final AcceptBackoff acceptBackoff;
    /** What the loop calls for each ready key: {@link #handle}, or in debug mode the same, timed. */
    private final Consumer<SelectionKey> handler;
    /** What runs before each line is echoed: nothing, or in debug mode the {@code sleep N} lines. */
    private final EchoSession.LineHook lineHook;
    /** One read buffer for the whole loop, reused for every client: only one handler runs at a time. */
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUDGET);
    /** Set by {@link #stop()} from any thread; the loop checks it after each {@code select()}. */
    private volatile boolean stopping;
    /** Taken by whichever comes first, serve() or stop(): that one owns closing the channels. */
    private final AtomicBoolean loopClaimed = new AtomicBoolean();
    private int clients;
    /** While accepting is paused after a failure: when to resume (System.nanoTime()). */
    private long acceptsResumeAt;
    private boolean acceptsPaused;

    public SelectorEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.idleTicks = options.flag("--idle-ticks");
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
        acceptBackoff = new AcceptBackoff(log, localAddress());
        if (options.flag("--debug")) {
            var debug = new DebugMode(log, options.intValue("--slow-callback-ms"));
            handler = debug.timed(this::handle, this::whoOwns);
            lineHook = debug::runCommand;
        } else {
            handler = this::handle;
            lineHook = EchoSession.LineHook.NONE;
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.socket().getLocalSocketAddress(); // the channel's socket view does not throw
    }

    @Override
    public void serve() throws IOException {
        if (!loopClaimed.compareAndSet(false, true)) {
            return; // stop() came first and closed everything
        }
        try {
            while (!stopping) {
                if (Thread.currentThread().isInterrupted()) {
                    // An interrupted thread's select() returns at once, every time: the loop would
                    // spin. Stopping is what stop() is for; an interrupt is treated the same way.
                    log.warn("selector thread interrupted: stopping");
                    break;
                }
                long asleepSince = System.nanoTime();
                long cpuBefore = idleTicks ? CpuMeter.threadCpuNanos(Thread.currentThread()) : 0;
                // select(Consumer) hands each ready key to the handler and clears it. With the
                // classic selectedKeys() loop you must remove every key yourself, or it stays
                // selected and is handled again next round with readiness that is long gone.
                int handled = selector.select(handler, selectTimeoutMillis());
                if (handled == 0 && idleTicks && !stopping) {
                    reportIdleTick(asleepSince, cpuBefore);
                }
                if (acceptsPaused && System.nanoTime() - acceptsResumeAt >= 0) {
                    acceptsPaused = false;
                    listenerKey.interestOps(SelectionKey.OP_ACCEPT);
                }
            }
        } finally {
            closeEverything();
        }
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

    /** Everything the loop does for one ready key. */
    private void handle(SelectionKey key) {
        // A key can be cancelled between select() and here (its channel closed): asking a
        // cancelled key about readiness throws, so validity comes first.
        if (!key.isValid()) {
            return;
        }
        if (key == listenerKey) {
            acceptClients();
        } else {
            serveClient(key, (EchoSession) key.attachment());
        }
    }

    private SocketAddress whoOwns(SelectionKey key) {
        return key.attachment() instanceof EchoSession session ? session.client() : localAddress();
    }

    private void acceptClients() {
        for (int i = 0; i < ACCEPT_BUDGET; i++) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException failed) {
                // Most likely out of file descriptors. The connection stays queued, so the listener
                // stays ready: stop watching it for a while (see AcceptBackoff), keep it open.
                long pauseMillis = acceptBackoff.failed(failed, clients);
                acceptsPaused = true;
                acceptsResumeAt = System.nanoTime() + pauseMillis * 1_000_000;
                listenerKey.interestOps(0);
                return;
            }
            if (channel == null) {
                return; // the queue of waiting connections is empty
            }
            acceptBackoff.succeeded();
            try {
                channel.configureBlocking(false);
                // Each write already carries every complete line of a read; Nagle's algorithm
                // would only hold the next one back waiting for an ACK.
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                var session = new EchoSession(channel.getRemoteAddress(), maxLine, log, lineHook);
                channel.register(selector, SelectionKey.OP_READ, session);
                clients++;
                log.event(session.client(), Clients.connected(clients));
            } catch (IOException failed) {
                // The client may already be gone (reset before we got to it): drop it, keep going.
                log.warn("setting up an accepted connection failed: " + failed);
                Closer.close(channel, log);
            }
        }
    }

    private void serveClient(SelectionKey key, EchoSession session) {
        SocketChannel channel = (SocketChannel) key.channel();
        try {
            if (key.isWritable()) {
                session.sent(channel.write(session.unsent()));
            }
            if (key.isReadable() && session.wantsInput()) {
                readBuffer.clear();
                int count = channel.read(readBuffer); // at most READ_BUDGET bytes: the fairness bound
                if (count < 0) {
                    session.endOfStream();
                } else {
                    session.received(readBuffer.flip());
                }
                // Write at once: a socket with room in its send buffer takes everything, and then
                // the loop never has to wait for OP_WRITE at all.
                if (session.hasUnsent()) {
                    session.sent(channel.write(session.unsent()));
                }
            }
            settle(key, session);
        } catch (IOException lost) {
            // A reset or a broken pipe: the end of this client, nobody else's business.
            finish(key, session, "connection lost: " + lost.getMessage());
        } catch (RuntimeException bug) {
            log.error(session.client(), "unexpected failure in its handler; closing this client only", bug);
            finish(key, session, "closed after an unexpected failure");
        }
    }

    /**
     * After every read or write: close the connection if it is done, otherwise say what the loop
     * should wait for.
     *
     * <p>OP_WRITE only while output is pending. A socket is writable almost all the time, so a key
     * that kept OP_WRITE with nothing to send would make every select() return at once: stage 3's
     * spinning, back in disguise.
     *
     * <p>OP_READ only while the session wants input: not after the end of the stream, and not
     * while too much echo is unsent (see EchoSession, "Backpressure"). A client that sends
     * without reading then fills its own TCP buffers and stalls.
     */
    private void settle(SelectionKey key, EchoSession session) throws IOException {
        if (session.isFinished()) {
            if (session.endedWithOverlongLine()) {
                // FIN right after the error line, before close(); unread input makes close() send a reset.
                ((SocketChannel) key.channel()).shutdownOutput();
            }
            finish(key, session, session.endedWithOverlongLine() ? "disconnected for an overlong line" : "disconnected");
            return;
        }
        int interest = (session.wantsInput() ? SelectionKey.OP_READ : 0) | (session.hasUnsent() ? SelectionKey.OP_WRITE : 0);
        if (key.interestOps() != interest) {
            key.interestOps(interest);
        }
    }

    private void finish(SelectionKey key, EchoSession session, String outcome) {
        Closer.close(key.channel(), log); // also cancels its key
        clients--;
        log.event(session.client(), Clients.ended(outcome, clients));
    }

    @Override
    public void stop() {
        stopping = true;
        if (loopClaimed.compareAndSet(false, true)) {
            // serve() never ran, so no loop will close anything; and a channel registered with a
            // selector keeps its port until the selector lets go of it. Close both here.
            closeEverything();
            return;
        }
        // Only the loop thread touches channels; stop() just asks it to leave. wakeup() makes the
        // select() in progress (or the next one) return at once.
        selector.wakeup();
    }

    private void closeEverything() {
        int open = 0;
        for (SelectionKey key : selector.keys()) {
            if (key != listenerKey) {
                open++;
            }
            Closer.close(key.channel(), log);
        }
        Closer.close(listener, log);
        Closer.close(selector, log);
        log.event("closed the listener and " + Clients.count(open));
    }
}
