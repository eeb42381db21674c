package dev.echostages.stage4;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.Clients;
import dev.echostages.common.Closer;
import dev.echostages.common.CommandLine;
import dev.echostages.common.CpuMeter;
import dev.echostages.common.EchoServer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.MemoryBudget;
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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
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
 * stage 3, and the steps keep their names: the difference between the two stages is only who
 * decides when {@code serveClient} runs.
 *
 * <p>Run: {@code ./mvnw -q -pl stage4-selector -am package -DskipTests exec:exec}, then
 * {@code telnet localhost 8000} in a few other terminals.
 */
public final class SelectorEchoServer implements EchoServer {

    static CommandLine commandLine() {
        return MemoryBudget.option(new CommandLine("stage4-selector", "Echo server, stage 4: one thread, a Selector, many clients.")
                .flag("--idle-ticks",
                        "log a line each time a one-second select() returns with nothing ready (the book's listing does)")
                .flag("--debug",
                        "asyncio-style debug mode: warn when a handler holds the loop too long; honour 'sleep N' and 'spin N' lines")
                .intOption("--slow-callback-ms", 100, 1, 60_000,
                        "with --debug, warn when one handler holds the loop longer than this"));
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
    /**
     * Room for a burst of connects while the loop is busy (and during an accept back-off): with
     * Java's default backlog of 50, the 51st waiting client's SYN is dropped and its connect()
     * stalls for a whole second until TCP retransmits it.
     */
    private static final int BACKLOG = 1024;
    private static final long IDLE_TICK_MS = 1_000;
    /** While a client is closing, how often the loop wakes to check its deadline (see LingeringClose). */
    private static final long LINGER_CHECK_MS = 100;

    /** One client: its key (and so its channel) and its session (unfinished line, echo owed). */
    private record Connection(SelectionKey key, EchoSession session) {
        SocketChannel channel() {
            return (SocketChannel) key.channel();
        }
    }

    private final ServerSocketChannel listener;
    private final Log log;
    private final int maxLine;
    private final MemoryBudget budget;
    private final AcceptBackoff acceptBackoff;
    private final boolean idleTicks;
    /** One read buffer for everyone: the loop serves one connection at a time. */
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUDGET);
    /** Set by {@link #stop()} from any thread; the loop checks it after each {@code select()}. */
    private volatile boolean stopping;
    private final Selector selector;
    private final SelectionKey listenerKey;
    /** What the loop calls for each ready key: {@link #handle}, or in debug mode the same, timed. */
    private final Consumer<SelectionKey> handler;
    /** What runs before each line is echoed: nothing, or in debug mode the {@code sleep N} lines. */
    private final EchoSession.LineHook lineHook;
    /** Taken by whichever comes first, serve() or stop(): that one owns closing the channels. */
    private final AtomicBoolean loopClaimed = new AtomicBoolean();
    private int clients;
    /** Clients being closed: a client that never closes its side would otherwise never be looked at again. */
    private final Set<Connection> lingering = new HashSet<>();
    /** While accepting is paused after a failure: when to resume (System.nanoTime()). */
    private long acceptsResumeAt;
    private boolean acceptsPaused;

    public SelectorEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.budget = MemoryBudget.from(options);
        this.idleTicks = options.flag("--idle-ticks");
        selector = Selector.open();
        listener = ServerSocketChannel.open();
        try {
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true); // restart without waiting out TIME_WAIT
            listener.bind(options.bindAddress(), BACKLOG);
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
        boolean stopBegun = false;
        try {
            while (!stopBegun || clients > 0) {
                if (stopping && !stopBegun) {
                    stopBegun = true;
                    stopClients();
                    continue; // with every client closed already, there is nothing left to wait for
                }
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
                if (acceptsPaused && System.nanoTime() - acceptsResumeAt >= 0 && !stopBegun) {
                    acceptsPaused = false;
                    listenerKey.interestOps(SelectionKey.OP_ACCEPT);
                }
                for (Connection connection : List.copyOf(lingering)) {
                    if (connection.session().lingerExpired()) {
                        finish(connection, connection.session().outcome());
                    }
                }
            }
        } finally {
            closeEverything();
        }
    }

    /** 0 (sleep until something is ready) unless a tick, the end of an accept back-off or a closing deadline is due. */
    private long selectTimeoutMillis() {
        long timeout = idleTicks ? IDLE_TICK_MS : 0;
        if (acceptsPaused) {
            long untilResume = Math.max(1, (acceptsResumeAt - System.nanoTime() + 999_999) / 1_000_000);
            timeout = timeout == 0 ? untilResume : Math.min(timeout, untilResume);
        }
        if (!lingering.isEmpty()) {
            timeout = timeout == 0 ? LINGER_CHECK_MS : Math.min(timeout, LINGER_CHECK_MS);
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
            serveClient((Connection) key.attachment());
        }
    }

    private SocketAddress whoOwns(SelectionKey key) {
        return key.attachment() instanceof Connection connection ? connection.session().client() : localAddress();
    }

    private void acceptClients() {
        for (int i = 0; i < ACCEPT_BUDGET; i++) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException failed) {
                // Most likely out of file descriptors. The connection stays queued, so the listener
                // stays ready: stop watching it for a while (see AcceptBackoff), keep it open.
                acceptsPaused = true;
                acceptsResumeAt = System.nanoTime() + acceptBackoff.failed(failed, clients) * 1_000_000;
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
                SocketAddress address = channel.getRemoteAddress();
                SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
                // Over budget, the client holding the most may be silent: asking for OP_WRITE,
                // ready at once, makes the loop serve it on the next round, where it is closed.
                var session = new EchoSession(address, maxLine, log, lineHook,
                        budget.open(address, () -> key.interestOps(key.interestOps() | SelectionKey.OP_WRITE)));
                key.attach(new Connection(key, session));
                clients++;
                log.event(session.client(), Clients.connected(clients));
            } catch (IOException failed) {
                // The client may already be gone (reset before we got to it): drop it, keep going.
                log.warn("setting up an accepted connection failed: " + failed);
                Closer.close(channel, log);
            }
        }
    }

    /** One ready key: send what is owed, read once, send the echo. Returns false once the client is closed. */
    private boolean serveClient(Connection connection) {
        SocketChannel channel = connection.channel();
        EchoSession session = connection.session();
        try {
            if (connection.key().isWritable()) {
                send(channel, session);
            }
            if (connection.key().isReadable() && (session.wantsInput() || session.draining())) {
                readBuffer.clear();
                int count = channel.read(readBuffer); // at most READ_BUDGET bytes: the fairness bound
                if (count < 0) {
                    session.endOfStream();
                } else if (count > 0) {
                    session.received(readBuffer.flip());
                }
                // Write at once: a socket with room in its send buffer takes everything, and then
                // the loop never has to wait for OP_WRITE at all.
                send(channel, session);
            }
            return settle(connection);
        } catch (IOException lost) {
            // A reset or a broken pipe: the end of this client, nobody else's business.
            return finish(connection, "connection lost: " + lost.getMessage());
        } catch (RuntimeException | Error bug) {
            log.error(session.client(), "unexpected failure in its handler; closing this client only", bug);
            return finish(connection, "closed after an unexpected failure");
        }
    }

    /**
     * A non-blocking write takes what fits in the kernel's send buffer, possibly less than
     * offered, possibly nothing. The rest stays owed: OP_WRITE (see settle) says when there is room.
     */
    private void send(SocketChannel channel, EchoSession session) throws IOException {
        if (session.hasUnsent()) {
            session.sent(channel.write(session.unsent()));
        }
    }

    /**
     * After every turn: FIN once a closing client is owed nothing, close it once it is done, and
     * otherwise say what the loop should wait for.
     *
     * <p>OP_WRITE only while output is pending. A socket is writable almost all the time, so a key
     * that kept OP_WRITE with nothing to send would make every select() return at once: stage 3's
     * spinning, back in disguise.
     *
     * <p>OP_READ only while the session wants input (or drains it): not after the end of the
     * stream, and not while too much echo is unsent (see EchoSession, "Backpressure"). A client
     * that sends without reading then fills its own TCP buffers and stalls.
     */
    private boolean settle(Connection connection) throws IOException {
        EchoSession session = connection.session();
        if (session.wantsFin()) {
            connection.channel().shutdownOutput(); // see LingeringClose: FIN, then drain, then close
            session.finSent();
        }
        if (session.isFinished() || session.lingerExpired()) {
            return finish(connection, session.outcome());
        }
        if (session.closing()) {
            lingering.add(connection);
        }
        boolean wantsRead = session.wantsInput() || session.draining();
        int interest = (wantsRead ? SelectionKey.OP_READ : 0) | (session.hasUnsent() ? SelectionKey.OP_WRITE : 0);
        if (connection.key().interestOps() != interest) {
            connection.key().interestOps(interest);
        }
        return true;
    }

    /** Closes the connection (which also cancels its key). Returns false, for serveClient. */
    private boolean finish(Connection connection, String outcome) {
        Closer.close(connection.channel(), log);
        connection.session().release();
        lingering.remove(connection);
        clients--;
        log.event(connection.session().client(), Clients.ended(outcome, clients));
        return false;
    }

    /** The stop: a client owed nothing is closed now; the others get their echo and a lingering close. */
    private void stopClients() {
        listenerKey.cancel();
        Closer.close(listener, log);
        log.event("stop: listener closed, " + Clients.count(clients) + " connected");
        for (SelectionKey key : List.copyOf(selector.keys())) {
            if (key.attachment() instanceof Connection connection && key.isValid()) {
                if (!connection.session().hasUnsent()) { // a line begun is input, not owed: it is dropped
                    finish(connection, "closed by server shutdown");
                } else {
                    connection.session().closeAfterOwed("closed by server shutdown, its echo sent");
                    try {
                        settle(connection);
                    } catch (IOException lost) {
                        finish(connection, "connection lost: " + lost.getMessage());
                    }
                }
            }
        }
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
            if (key.attachment() instanceof Connection connection) {
                connection.session().release();
                open++;
            }
            Closer.close(key.channel(), log);
        }
        Closer.close(listener, log);
        Closer.close(selector, log);
        log.event("closed the listener and " + Clients.count(open));
    }
}
