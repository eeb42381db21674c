package dev.echostages.stage3;

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
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage 3: non-blocking sockets, polled in a busy loop.
 *
 * <p>Stage 2 stalled because every call could block. Here nothing blocks: {@code accept()}
 * returns {@code null} when nobody is knocking and {@code read()} returns 0 when a client said
 * nothing. One thread goes round and round: accept whoever is waiting, give every connection one
 * turn (send what it is owed, read what it sent), start again.
 *
 * <p>What goes wrong: with everybody silent the loop still goes round hundreds of thousands of
 * times a second and burns a core ({@link LoopStats}). Stage 4 lets the kernel say who is ready.
 */
public final class BusyLoopEchoServer implements EchoServer {

    static CommandLine commandLine() {
        return MemoryBudget.option(new CommandLine("stage3-nonblocking-busyloop",
                "Echo server, stage 3: non-blocking sockets polled in a busy loop (watch the CPU).")
                .flag("--stats", true, "print loop passes per second and the loop thread's CPU every interval")
                .intOption("--stats-interval", 5, 1, 3600, "seconds between stats lines")
                .flag("--naive", "run the naive first attempt instead (stage 2's loop, merely non-blocking); it fails"));
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), (options, log) -> options.flag("--naive")
                ? new NaiveNonBlockingEchoServer(options, log)
                : new BusyLoopEchoServer(options, log));
    }

    /** At most this many bytes are read from one client per turn: the fairness bound. */
    static final int READ_BUDGET = 16 * 1024;
    /**
     * Room for a burst of connects while the loop is busy (and during an accept back-off): with
     * Java's default backlog of 50, the 51st waiting client's SYN is dropped and its connect()
     * stalls for a whole second until TCP retransmits it.
     */
    private static final int BACKLOG = 1024;
    /** How often the loop asks the listener for newcomers: every pass, accept()'s garbage would churn the heap. */
    private static final long ACCEPT_POLL_NANOS = 1_000_000;

    /** One client: its channel and its session (unfinished line, echo owed). */
    private record Connection(SocketChannel channel, EchoSession session) {
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
    private final LoopStats stats;
    /** When to ask the listener again ({@link System#nanoTime()}). */
    private long nextAcceptAt = System.nanoTime();

    public BusyLoopEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.budget = MemoryBudget.from(options);
        this.stats = new LoopStats(options.flag("--stats"), options.intValue("--stats-interval"), log);
        listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true); // restart without waiting out TIME_WAIT
        listener.bind(options.bindAddress(), BACKLOG);
        // The whole lesson in one call: from now on accept() returns null instead of waiting.
        listener.configureBlocking(false);
        acceptBackoff = new AcceptBackoff(log, localAddress());
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.socket().getLocalSocketAddress(); // the channel's socket view does not throw
    }

    @Override
    public void serve() throws IOException {
        // exercise 4 begin: register the channels with a Selector and serve only the keys it reports ready
        boolean stopBegun = false;
        try {
            while (!stopBegun || !connections.isEmpty()) {
                if (stopping && !stopBegun) {
                    stopBegun = true;
                    stopClients();
                    continue; // with every client closed already, there is nothing left to wait for
                }
                long now = System.nanoTime();
                if (!stopBegun && now - nextAcceptAt >= 0 && !acceptBackoff.pausing()) {
                    nextAcceptAt = now + ACCEPT_POLL_NANOS;
                    acceptClients();
                }
                // An index, not an iterator: a pass in which nobody speaks allocates nothing. Backwards,
                // so that a client closed (and taken off the list) on its turn does not skip the next.
                for (int i = connections.size() - 1; i >= 0; i--) {
                    serveClient(connections.get(i));
                }
                // Nothing above waited for anything: this loop never sleeps. The stats show the cost.
                stats.pass(connections.size());
            }
        } finally {
            closeEverything();
        }
        // exercise 4 end
    }

    /** Accepts every client waiting in the kernel's queue. */
    private void acceptClients() {
        while (true) {
            SocketChannel channel;
            try {
                channel = listener.accept(); // never waits: null when nobody is knocking
            } catch (IOException failed) {
                if (stopping) {
                    return; // stop() closed the listener under us: the stop begins at the top of the loop
                }
                // Most likely out of file descriptors. The connection stays queued: skip accept() for
                // a while (see AcceptBackoff), keep the listener; the clients we have are served meanwhile.
                acceptBackoff.failed(failed, connections.size());
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
                // Over budget, the client holding the most may be silent: the loop looks at every
                // client on every pass, and its session closes it then.
                var session = new EchoSession(address, maxLine, log, EchoSession.LineHook.NONE, budget.open(address, () -> { }));
                connections.add(new Connection(channel, session));
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
            if (session.wantsInput() || session.draining()) {
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
     * offered, possibly nothing. The rest stays owed until the next turn: retrying here until it
     * all went out would be spinning on one client while the others wait.
     */
    private void send(SocketChannel channel, EchoSession session) throws IOException {
        if (session.hasUnsent()) {
            session.sent(channel.write(session.unsent()));
        }
    }

    /**
     * After every turn: FIN once a closing client is owed nothing, and close it once it is done.
     * Nothing to say about what to wait for: this loop waits for nothing, it asks every client
     * every time, which is the problem.
     */
    private void settle(Connection connection) throws IOException {
        EchoSession session = connection.session();
        if (session.wantsFin()) {
            connection.channel().shutdownOutput(); // see LingeringClose: FIN, then drain, then close
            session.finSent();
        }
        if (session.isFinished() || session.lingerExpired()) {
            finish(connection, session.outcome());
        }
    }

    /** Closes the connection and takes it off the list. */
    private void finish(Connection connection, String outcome) {
        Closer.close(connection.channel(), log);
        connection.session().release();
        connections.remove(connection);
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
            }
        }
    }

    @Override
    public void stop() {
        stopping = true;
        // The loop closes the clients itself (it owns them); closing the listener here also frees
        // the port when serve() was never called.
        Closer.close(listener, log);
    }

    private void closeEverything() {
        while (!connections.isEmpty()) { // only if the loop failed: the stop empties the list itself
            finish(connections.getLast(), "closed by server shutdown");
        }
        Closer.close(listener, log);
    }
}
