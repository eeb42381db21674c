package dev.echostages.stage5;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.EchoServer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.MemoryBudget;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * Stage 5, the virtual-thread server: stage 1's {@code serveOne} ({@code read()}, echo every
 * complete line, {@code write()}), on a virtual thread per client: one line in {@link #serve()}.
 * A virtual thread blocked in {@code read()} holds no OS thread: the JDK parks its socket on an
 * epoll poller (stage 4's selector, inside the JDK) and mounts it on a carrier thread again when
 * bytes arrive, as asyncio resumes a coroutine at {@code await sock_recv()}. The pitfalls, apart and
 * called here once (the README numbers them): {@link FairShare}, {@link BeforeTheFirstAccept}, {@link VirtualThreadClient}.
 */
public final class VirtualThreadEchoServer implements EchoServer {

    private final ServerSocket listener;
    private final Log log;
    private final int maxLine;
    private final MemoryBudget budget;
    private final EchoSession.LineHook lineHook;
    private final ConnectedClients clients;
    private final AcceptBackoff acceptBackoff;
    private final FairShare.Newcomers newcomers = new FairShare.Newcomers();
    private final DebugMode.Handler<VirtualThreadClient> handler; // handle(), or under --debug handle() timed

    public VirtualThreadEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.budget = MemoryBudget.from(options);
        DebugMode debug = DebugMode.from(options, log);
        this.lineHook = Boom.hook(debug);
        this.handler = DebugMode.timed(debug, this::handle, client -> client.address);
        listener = new ServerSocket();
        // Lets a restarted server bind its port at once even while the previous run's
        // connections sit in TIME_WAIT (otherwise: "Address already in use" for a minute).
        listener.setReuseAddress(true);
        listener.bind(options.bindAddress(), ConnectedClients.BACKLOG);
        this.clients = new ConnectedClients(log, options, listener);
        acceptBackoff = new AcceptBackoff(log, localAddress());
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    @Override
    public void serve() throws IOException {
        BeforeTheFirstAccept.prepare(VirtualThreadClient.class);
        log.event("one virtual thread per client, carried by " + AsyncEchoServer.carriersInWords());
        while (!clients.stopping()) {
            Socket client;
            try {
                client = listener.accept(); // blocks until a client connects
            } catch (IOException acceptFailed) {
                if (clients.stopping()) {
                    break; // stop() closed the listener under us: the normal way out
                }
                acceptBackoff.pause(acceptFailed, clients.count()); // most likely out of file descriptors
                continue;
            }
            acceptBackoff.succeeded();
            var connection = new VirtualThreadClient(client, maxLine, log, lineHook, budget, this::flush);
            if (clients.admit(connection)) {
                Thread.ofVirtual().start(newcomers.firstRun(() -> serveOne(connection))); // the lesson: stage 1's serveOne, on a thread of its own
            }
        }
        clients.awaitStopped();
    }

    private void serveOne(VirtualThreadClient client) {
        EchoSession session = client.session;
        String outcome;
        try (Socket socket = client.socket) {
            socket.setTcpNoDelay(true); // each write is a whole read's echo: nothing to gain by waiting
            FairShare fairShare = new FairShare(ReadBuffer.MAX);
            while (!session.isFinished() && !session.lingerExpired()) {
                if (session.closing()) { // a read waits no longer than the lingering close may last
                    socket.setSoTimeout((int) Math.max(1, session.lingerMillisLeft()));
                }
                ByteBuffer chunk = client.buffer.forRead();
                int count = client.in.read(chunk.array(), 0, chunk.capacity()); // parks this virtual thread, not its carrier
                handler.handle(client, count);
                if (fairShare.turnIsOver(count, false) && client.in.available() > 0) { // and more is waiting
                    newcomers.handOff();
                }
            }
            outcome = session.outcome();
        } catch (IOException lost) {
            // A reset or broken pipe ends this client only; or the lingering close's deadline, or the stop.
            outcome = client.closedBecause() != null ? client.closedBecause()
                    : session.closing() ? session.outcome() : "connection lost: " + lost.getMessage();
        } catch (RuntimeException | Error bug) {
            log.error(client.address, "unexpected failure serving this client; closing it", bug);
            outcome = "closed after an unexpected failure";
        }
        session.release();
        clients.left(client, outcome);
    }

    /** One read: its lines are queued, then written in one write. */
    private void handle(VirtualThreadClient client, int count) throws IOException {
        client.lock.lock();
        try {
            try {
                if (count < 0) {
                    client.session.endOfStream();
                } else {
                    clients.received(client.session, client.buffer.filled(count));
                }
            } catch (RuntimeException handlerFailed) { // the book's lesson: logged, with its client; not lost
                log.error(client.address, "handler failed, closing this client after the echo it is owed", handlerFailed);
                client.session.closeAfterOwed("closed after a handler failure");
            }
            flush(client);
            client.buffer.adapt(count);
        } finally {
            client.lock.unlock();
        }
    }

    /** The echo owed, in one write; FIN once a closing client is owed nothing. Under the client's lock. */
    private void flush(VirtualThreadClient client) throws IOException {
        EchoSession session = client.session;
        if (session.hasUnsent()) { // parks while the client's window is full: the output bound, for free
            ByteBuffer echo = session.unsent();
            client.out.write(echo.array(), echo.arrayOffset() + echo.position(), echo.remaining());
            session.sent(echo.remaining());
        }
        clients.afterRead(session); // a stop that began during the write
        if (session.wantsFin()) {
            client.socket.shutdownOutput(); // see LingeringClose: FIN, then drain, then close
            session.finSent();
        }
    }

    @Override
    public void stop() {
        clients.stop();
    }
}
