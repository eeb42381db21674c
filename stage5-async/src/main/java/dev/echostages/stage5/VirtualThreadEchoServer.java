package dev.echostages.stage5;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.EchoServer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.LingeringClose;
import dev.echostages.common.Log;
import dev.echostages.common.MemoryBudget;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stage 5, the virtual-thread server: stage 1's blocking code, one cheap thread per client.
 *
 * <p>What it adds. {@code serveOne} is stage 1's conversation: {@code read()}, echo every complete
 * line, {@code write()}, until the client leaves. Stage 1 ran it on the accepting thread, so the
 * next client waited. Here each client gets a virtual thread of its own, and that is the whole
 * lesson: one line in {@link #serve()}. A virtual thread that blocks in {@code read()} does not
 * hold an OS thread: the JDK unmounts it, parks its socket on an epoll poller (stage 4's
 * selector, inside the JDK) and mounts it again on a carrier thread when bytes arrive. asyncio's
 * coroutine suspends at {@code await sock_recv()}; a virtual thread suspends inside {@code read()}.
 *
 * <p>What you will see: every client served at once, with {@code --carriers 1} by one OS thread.
 * Under {@code --debug}, {@code sleep 5} parks its virtual thread and the others are served
 * meanwhile; {@code spin 5} computes, and everybody on its carrier freezes ({@link DebugMode}).
 *
 * <p>The pitfalls, each kept in a class of its own and called here once (the README numbers them):
 * a client that always has data never blocks and would keep its carrier ({@link FairShare}); the
 * JDK builds its poller lazily and a burst that uses every file descriptor then breaks it for good
 * ({@link BeforeTheFirstAccept}); the stop and {@code --max-clients} ({@link ConnectedClients}).
 */
public final class VirtualThreadEchoServer implements EchoServer {

    private final ServerSocket listener;
    private final Log log;
    private final int maxLine;
    private final MemoryBudget budget;
    private final EchoSession.LineHook lineHook;
    private final ConnectedClients clients;
    private final AcceptBackoff acceptBackoff;
    /** How a read is handled: directly, or under {@code --debug} timed (chosen once, here). */
    private final DebugMode.Handler<Conversation> handler;

    public VirtualThreadEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.budget = MemoryBudget.from(options);
        DebugMode debug = DebugMode.from(options, log);
        this.lineHook = Boom.hook(debug);
        this.handler = DebugMode.timed(debug, Conversation::handle, Conversation::address);
        listener = new ServerSocket();
        listener.setReuseAddress(true); // restart at once even with old connections in TIME_WAIT
        listener.bind(options.bindAddress(), ConnectedClients.BACKLOG);
        this.clients = new ConnectedClients(log, options, listener);
        acceptBackoff = new AcceptBackoff(log, localAddress());
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Accepts on the caller's thread, a platform thread: no client can keep the acceptor off a carrier. */
    @Override
    public void serve() throws IOException {
        BeforeTheFirstAccept.prepare(Conversation.class);
        log.event("one virtual thread per client, carried by " + AsyncEchoServer.carriersInWords());
        long connectionNumber = 0;
        while (!clients.stopping()) {
            Socket client;
            try {
                client = listener.accept(); // blocks until a client connects
            } catch (IOException acceptFailed) {
                if (clients.stopping()) {
                    break; // stop() closed the listener: the normal way out
                }
                acceptBackoff.pause(acceptFailed, clients.count()); // most likely out of file descriptors
                continue;
            }
            acceptBackoff.succeeded();
            var conversation = new Conversation(client);
            if (clients.admit(conversation)) {
                // The lesson: stage 1's serveOne, on a thread of its own.
                Thread.ofVirtual().name("client-" + ++connectionNumber).start(() -> serveOne(conversation));
            }
        }
        clients.awaitStopped();
    }

    /** The whole life of one client, on its virtual thread. Every way out is logged. */
    private void serveOne(Conversation client) {
        String outcome;
        try (Socket socket = client.socket) {
            socket.setTcpNoDelay(true); // each write is a whole read's echo: nothing to gain by waiting
            var fairShare = new FairShare(ReadBuffer.MAX);
            while (!client.session.isFinished() && !client.session.lingerExpired()) {
                // While closing, a read waits no longer than the lingering close may last.
                socket.setSoTimeout(client.session.closing() ? (int) Math.max(1, client.session.lingerMillisLeft()) : 0);
                ByteBuffer input = client.buffer.forRead();
                // Parks this virtual thread (not its carrier) until bytes arrive, or -1 at end of stream.
                int count = client.in.read(input.array(), 0, input.capacity());
                handler.handle(client, count);
                if (fairShare.turnIsOver(count)) {
                    FairShare.yieldCarrier();
                }
            }
            outcome = client.session.outcome();
        } catch (IOException lost) {
            // A reset or a broken pipe (the client's doing), the lingering close's deadline, or the stop.
            outcome = client.closedBecause != null ? client.closedBecause
                    : client.session.closing() ? client.session.outcome() : "connection lost: " + lost.getMessage();
        } catch (RuntimeException | Error bug) {
            log.error(client.address, "unexpected failure serving this client; closing it", bug);
            outcome = "closed after an unexpected failure";
        }
        client.session.release();
        clients.left(client, outcome);
    }

    @Override
    public void stop() {
        clients.stop();
    }

    /** One client: its socket, its session, and the lock that the stop and the budget share with its thread. */
    private final class Conversation implements ConnectedClients.Client {
        private final Socket socket;
        private final SocketAddress address;
        private final EchoSession session;
        private final InputStream in;
        private final OutputStream out;
        private final ReadBuffer buffer = new ReadBuffer();
        /**
         * Held while a read is handled (its write included), never while waiting in {@code read()}:
         * whoever else gets it knows the thread is waiting for input. A {@code ReentrantLock}: before
         * JDK 24 a virtual thread blocking inside {@code synchronized} pins its carrier.
         */
        private final ReentrantLock lock = new ReentrantLock();
        private volatile String closedBecause;

        Conversation(Socket socket) throws IOException {
            this.socket = socket;
            this.address = socket.getRemoteSocketAddress();
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.session = new EchoSession(address, maxLine, log, lineHook, budget.open(address, this::overBudget));
        }

        /** One read: its lines are queued, written in one write, and FIN follows once a closing client is owed nothing. */
        void handle(int count) throws IOException {
            lock.lock();
            try {
                try {
                    if (count < 0) {
                        session.endOfStream();
                    } else {
                        clients.received(session, buffer.filled(count));
                    }
                } catch (RuntimeException handlerFailed) {
                    // The book's lesson: an exception in a task nobody looks at is lost. Here it is
                    // logged with the client; the lines before it are queued and still go out.
                    log.error(address, "handler failed, closing this client after the echo it is owed", handlerFailed);
                    session.closeAfterOwed("closed after a handler failure");
                }
                flush();
                buffer.adapt(count);
            } finally {
                lock.unlock();
            }
        }

        /** The echo owed, in one write; FIN once a closing client is owed nothing. Under the lock. */
        private void flush() throws IOException {
            if (session.hasUnsent()) {
                // Parks while the client's window is full, and meanwhile we do not read: the
                // contract's output bound, from blocking, for free.
                ByteBuffer echo = session.unsent();
                out.write(echo.array(), echo.arrayOffset() + echo.position(), echo.remaining());
                session.sent(echo.remaining());
            }
            clients.afterRead(session); // a stop that began during the write
            if (session.wantsFin()) {
                socket.shutdownOutput(); // see LingeringClose: FIN, then drain, then close
                session.finSent();
            }
        }

        @Override
        public SocketAddress address() {
            return address;
        }

        @Override
        public EchoSession session() {
            return session;
        }

        /** See ConnectedClients: if its thread waits in {@code read()} with nothing in flight, close it now. */
        @Override
        public void stopReading() {
            if (!lock.tryLock()) {
                return; // handling a read: it hears of the stop right after it
            }
            try {
                if (!session.isIdle()) {
                    session.closeAfterLine(ConnectedClients.STOPPED_BETWEEN_LINES);
                } else if (in.available() == 0) {
                    closeNow("closed at the stop, idle");
                } // else bytes are on their way in: that read is echoed, then it hears of the stop
            } catch (IOException closedAlready) {
                log.event(address, "closed already: " + closedAlready.getMessage()); // its thread reports how it ended
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void refuse(byte[] reply) {
            session.release();
            LingeringClose.inBackground(socket, reply, log);
        }

        /**
         * The budget picked this client while its thread may wait in {@code read()}: a thread of
         * its own (holding no other client's lock) drops its line, sends the reply and FIN, and
         * closes it at the lingering close's deadline if the client has not closed by then.
         */
        private void overBudget() {
            Thread.ofVirtual().start(() -> {
                lock.lock();
                try {
                    session.closeIfOverBudget();
                    flush();
                } catch (IOException gone) {
                    closeNow("connection lost while closing: " + gone.getMessage());
                } finally {
                    lock.unlock();
                }
                CompletableFuture.delayedExecutor(LingeringClose.MAX_MILLIS, TimeUnit.MILLISECONDS)
                        .execute(() -> closeNow(session.outcome()));
            });
        }

        @Override
        public void closeNow(String outcome) {
            closedBecause = outcome;
            try {
                socket.close(); // wakes its thread in read() or write() with an exception
            } catch (IOException failed) {
                log.warn(address, "closing failed: " + failed);
            }
        }
    }
}
