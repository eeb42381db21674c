package dev.echostages.stage4;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.Clients;
import dev.echostages.common.Closer;
import dev.echostages.common.CommandLine;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Stage 4: one thread, a {@link Selector}, many clients.
 *
 * <p>Stage 3 asked every socket, over and over, "anything for me?" and burned a core doing it.
 * Here {@code select()} sleeps in the kernel (epoll on Linux) until a socket is ready and hands
 * back exactly those: while clients are silent, the loop costs nothing. This is what an event loop
 * is (asyncio's, Netty's, Node's). The rest is stage 3's, step for step and name for name.
 *
 * <p>What goes wrong: every handler runs on this one thread, so one that blocks freezes every
 * other client ({@code --debug} names it: {@link DebugMode}). Stage 5 stops writing the loop by hand.
 */
public final class SelectorEchoServer implements EchoServer {

    static CommandLine commandLine() {
        return MemoryBudget.option(new CommandLine("stage4-selector", "Echo server, stage 4: one thread, a Selector, many clients.")
                .flag("--idle-ticks", "log each second select() slept with nothing ready (the book's listing does)")
                .flag("--debug", "asyncio-style debug mode: warn when a handler holds the loop too long; honour 'sleep N' and 'spin N'")
                .intOption("--slow-callback-ms", 100, 1, 60_000, "with --debug, warn when one handler holds the loop longer than this"));
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), SelectorEchoServer::new);
    }

    /** At most this many bytes are read from one client per turn: the fairness bound. */
    static final int READ_BUDGET = 16 * 1024;
    /**
     * Room for a burst of connects while the loop is busy (and during an accept back-off): with
     * Java's default backlog of 50, the 51st waiting client's SYN is dropped and its connect()
     * stalls for a whole second until TCP retransmits it.
     */
    private static final int BACKLOG = 1024;
    /** While a client is closing, how often the loop wakes to check its deadline (see LingeringClose). */
    private static final long LINGER_CHECK_MILLIS = 100;

    /** One client: its channel and its session (unfinished line, echo owed). */
    private record Connection(SocketChannel channel, EchoSession session, SelectionKey key) {
    }

    private final ServerSocketChannel listener;
    private final Log log;
    private final int maxLine;
    private final MemoryBudget budget;
    private final AcceptBackoff acceptBackoff;
    /** One read buffer for everyone: the loop serves one connection at a time. */
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUDGET);
    /** Set by {@link #stop()} from any thread; the loop checks it on every pass. */
    private volatile boolean stopping;
    /** Only the loop thread touches the connections, so nothing here needs a lock. */
    private final List<Connection> connections = new ArrayList<>();
    private final Selector selector;
    private final SelectionKey listenerKey;
    private final Consumer<SelectionKey> handler;
    private final EchoSession.LineHook lineHook;
    private final IdleTicks idleTicks;
    /** Clients being closed: one that never closes its side would otherwise never be looked at again. */
    private final Set<Connection> lingering = new HashSet<>();
    /** Taken by whichever comes first, serve() or stop(): that one owns closing the channels. */
    private final AtomicBoolean loopClaimed = new AtomicBoolean();

    public SelectorEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.budget = MemoryBudget.from(options);
        this.idleTicks = new IdleTicks(options.flag("--idle-ticks"), log);
        DebugMode debug = DebugMode.from(options, log);
        this.handler = DebugMode.handler(debug, this::handle);
        this.lineHook = DebugMode.lineHook(debug);
        selector = Selector.open();
        listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true); // restart without waiting out TIME_WAIT
        listener.bind(options.bindAddress(), BACKLOG);
        listener.configureBlocking(false);
        listenerKey = listener.register(selector, SelectionKey.OP_ACCEPT);
        acceptBackoff = new AcceptBackoff(log, localAddress());
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
            // Interrupted, select() would return at once, forever: the loop ends instead.
            while ((!stopBegun || !connections.isEmpty()) && !Thread.currentThread().isInterrupted()) {
                if (stopping && !stopBegun) {
                    stopBegun = true;
                    stopClients();
                    continue; // with every client closed already, there is nothing left to wait for
                }
                idleTicks.beforeSelect();
                // Sleeps until a key is ready (or a tick, an accept back-off's end, a closing client's
                // deadline) and hands each ready key to the handler; the classic selectedKeys() loop
                // must remove each key itself, or handles it again next round with readiness long gone.
                long timeout = IdleTicks.soonest(idleTicks.timeoutMillis(), acceptBackoff.millisToResume(), lingering.isEmpty() ? 0 : LINGER_CHECK_MILLIS);
                idleTicks.afterSelect(selector.select(handler, timeout));
                if (!stopBegun && listenerKey.interestOps() == 0 && !acceptBackoff.pausing()) {
                    listenerKey.interestOps(SelectionKey.OP_ACCEPT); // the accept back-off is over
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

    /** Everything the loop does for one ready key. */
    private void handle(SelectionKey key) {
        if (!key.isValid()) { // cancelled since select() (its channel closed): asking it anything throws
            return;
        }
        if (key == listenerKey) {
            acceptClients();
        } else {
            serveClient((Connection) key.attachment());
        }
    }

    /** Accepts every client waiting in the kernel's queue. */
    private void acceptClients() {
        while (true) {
            SocketChannel channel;
            try {
                channel = listener.accept(); // never waits: null when nobody is knocking
            } catch (IOException failed) {
                // Most likely out of file descriptors. The connection stays queued: skip accept() for
                // a while (see AcceptBackoff), keep the listener; the clients we have are served meanwhile.
                acceptBackoff.failed(failed, connections.size());
                listenerKey.interestOps(0); // or select() would report it ready at once, over and over
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
                // Over budget, the client holding the most may be silent: OP_WRITE, ready at once,
                // makes the loop serve it next round, and its session closes it then.
                var session = new EchoSession(address, maxLine, log, lineHook, budget.open(address, () -> key.interestOps(SelectionKey.OP_WRITE)));
                connections.add(new Connection(channel, session, key));
                key.attach(connections.getLast());
                log.event(session.client(), Clients.connected(connections.size()));
            } catch (IOException failed) {
                // The client may already be gone (reset before we got to it): drop it, keep going.
                log.warn("setting up an accepted connection failed: " + failed);
                Closer.close(channel, log);
            }
        }
    }

    /** One turn: send what is owed, read once, send the echo. */
    private void serveClient(Connection connection) {
        SocketChannel channel = connection.channel();
        EchoSession session = connection.session();
        try {
            send(channel, session); // what an earlier turn could not send
            if (connection.key().isReadable() && (session.wantsInput() || session.draining())) {
                readBuffer.clear();
                int count = channel.read(readBuffer); // never waits; at most READ_BUDGET bytes: the fairness bound
                if (count < 0) {
                    session.endOfStream();
                } else if (count > 0) {
                    session.received(readBuffer.flip());
                }
                send(channel, session); // the usual case: the echo goes out in the same turn
            }
            settle(connection);
        } catch (IOException lost) {
            // A reset or a broken pipe: the end of this client, nobody else's business.
            finish(connection, "connection lost: " + lost.getMessage());
        } catch (RuntimeException | Error bug) {
            log.error(session.client(), "unexpected failure in its handler; closing this client only", bug);
            finish(connection, "closed after an unexpected failure");
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
     * After every turn: FIN once a closing client is owed nothing, and close it once it is done.
     * Then what to wait for: OP_READ while the session wants input, OP_WRITE only while output is
     * pending (a socket is almost always writable: stage 3's spinning would be back in disguise).
     */
    private void settle(Connection connection) throws IOException {
        EchoSession session = connection.session();
        if (session.wantsFin()) {
            connection.channel().shutdownOutput(); // see LingeringClose: FIN, then drain, then close
            session.finSent();
        }
        if (session.isFinished() || session.lingerExpired()) {
            finish(connection, session.outcome());
            return;
        }
        if (session.closing()) {
            lingering.add(connection);
        }
        boolean wantsRead = session.wantsInput() || session.draining();
        connection.key().interestOps((wantsRead ? SelectionKey.OP_READ : 0) | (session.hasUnsent() ? SelectionKey.OP_WRITE : 0));
    }

    /** Closes the connection (which also cancels its key) and takes it off the list. */
    private void finish(Connection connection, String outcome) {
        Closer.close(connection.channel(), log);
        connection.session().release();
        connections.remove(connection);
        lingering.remove(connection);
        log.event(connection.session().client(), Clients.ended(outcome, connections.size()));
    }

    /** The stop: a client owed nothing is closed now; the others get their echo and a lingering close. */
    private void stopClients() {
        Closer.close(listener, log);
        log.event("stop: listener closed, " + Clients.count(connections.size()) + " connected");
        for (Connection connection : List.copyOf(connections)) {
            if (!connection.session().hasUnsent()) { // a line begun is input, not owed: it is dropped
                finish(connection, "closed by server shutdown");
            } else {
                connection.session().closeAfterOwed("closed by server shutdown, its echo sent");
                lingering.add(connection);
            }
        }
    }

    @Override
    public void stop() {
        stopping = true;
        // The loop closes the clients itself (it owns them); closing everything here frees the
        // port when serve() was never called (a selector holds its channels open).
        if (loopClaimed.compareAndSet(false, true)) {
            closeEverything();
        }
        selector.wakeup(); // the select() in progress (or the next one) returns at once
    }

    private void closeEverything() {
        while (!connections.isEmpty()) { // only if the loop failed: the stop empties the list itself
            finish(connections.getLast(), "closed by server shutdown");
        }
        Closer.close(listener, log);
        Closer.close(selector, log);
    }
}
