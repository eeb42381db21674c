package dev.echostages.stage5;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.Closer;
import dev.echostages.common.EchoServer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * Stage 5, the virtual-thread server: stage 1's {@code serveOne} on a virtual thread per client.
 *
 * <p>Blocked in {@code read()}, a virtual thread holds no OS thread: the JDK parks its socket on an
 * epoll poller (stage 4's selector, inside the JDK) and mounts it on a carrier thread again when
 * bytes arrive, as asyncio resumes a coroutine at {@code await sock_recv()}.
 *
 * <p>The pitfalls, apart and called here once (the README numbers them): {@link FairShare},
 * {@link BeforeTheFirstAccept}, {@link VirtualThreadClient}, {@link ConnectedClients}.
 */
public final class VirtualThreadEchoServer implements EchoServer {

    private final ServerSocket listener;
    private final Log log;
    private final ConnectedClients clients;
    private final VirtualThreadClient.Settings settings;
    private final AcceptBackoff acceptBackoff;
    private final FairShare.Newcomers newcomers = new FairShare.Newcomers();

    public VirtualThreadEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        listener = new ServerSocket();
        // Lets a restarted server bind its port at once even while the previous run's
        // connections sit in TIME_WAIT (otherwise: "Address already in use" for a minute).
        listener.setReuseAddress(true);
        listener.bind(options.bindAddress(), ConnectedClients.BACKLOG);
        this.clients = new ConnectedClients(log, options, listener);
        this.settings = new VirtualThreadClient.Settings(options, log, clients, this::flush);
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
            var connection = new VirtualThreadClient(client, settings);
            if (clients.admit(connection)) {
                Thread.ofVirtual().start(newcomers.firstRun(() -> serveOne(client, connection))); // the lesson: stage 1's serveOne, on a thread of its own
            }
        }
        clients.awaitStopped();
    }

    private void serveOne(Socket client, VirtualThreadClient connection) {
        SocketAddress who = client.getRemoteSocketAddress();
        EchoSession session = connection.session;
        try {
            InputStream in = client.getInputStream();
            client.setTcpNoDelay(true); // an echo is wanted now: no Nagle delay
            FairShare fairShare = new FairShare(ReadBuffer.MAX);
            int count;
            while (!session.isFinished() && !session.lingerExpired()) {
                ByteBuffer chunk = connection.forRead(); // while closing, with a timeout at the lingering close's deadline
                count = in.read(chunk.array(), 0, chunk.capacity()); // parks this virtual thread, not its carrier
                connection.handle(count); // its lines queued, then flush() below; timed under --debug
                if (fairShare.turnIsOver(count, false) && in.available() > 0) { // and more is waiting
                    newcomers.handOff();
                }
            }
            closed(client, connection, session.outcome());
        } catch (IOException lost) {
            // A reset or broken pipe ends this client only; the server carries on.
            closed(client, connection, connection.outcome(lost));
        } catch (RuntimeException | Error bug) {
            log.error(who, "unexpected failure serving this client; closing it", bug);
            closed(client, connection, "closed after an unexpected failure");
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

    private void closed(Socket client, VirtualThreadClient connection, String outcome) {
        Closer.close(client, log);
        connection.session.release();
        clients.left(connection, outcome);
    }

    @Override
    public void stop() {
        clients.stop();
    }
}
