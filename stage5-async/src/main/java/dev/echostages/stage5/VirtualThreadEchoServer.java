package dev.echostages.stage5;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.Closer;
import dev.echostages.common.EchoServer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stage 5, the virtual-thread server: one cheap thread per client, plain blocking code.
 *
 * <p>What it adds. This is stage 1's loop again: {@code read()}, hand the bytes to the client's
 * {@link EchoSession}, {@code write()} the echo it owes. What changed is the thread it runs on. A
 * virtual thread that blocks in {@code read()} does not hold an OS thread: the JDK unmounts it,
 * parks its socket on an epoll poller (stage 4's selector, inside the JDK) and mounts it again on
 * a carrier thread when bytes arrive. asyncio's coroutine suspends at {@code await sock_recv()};
 * a virtual thread suspends inside {@code read()}.
 *
 * <p>What you will see: every client served at once, with {@code --carriers 1} by one OS thread.
 * Under {@code --debug}, {@code sleep 1} parks its virtual thread and the others are served
 * meanwhile; {@code spin 1} computes, and everybody on its carrier freezes (see {@link DebugMode}).
 *
 * <p>What goes wrong, and what this file does about it, each where it is done: virtual threads are
 * not time-sliced, so a client whose socket always has data would keep its carrier (we yield
 * after a budget of bytes); the JDK builds its poller lazily, and a burst that uses every file
 * descriptor at that moment breaks it for good (we build it at start-up); a blocking style hides
 * what a waiting client holds (a parked stack and its read buffer, kept small by {@link ReadBuffer}).
 */
public final class VirtualThreadEchoServer implements EchoServer {

    /**
     * Bytes a client may be served in a row before its thread gives up its carrier. A virtual
     * thread runs until it blocks; a client with data always waiting never blocks in {@code read()},
     * so with one carrier nobody else ran, newcomers included (4 of 5 got no echo within 3 s).
     * Not {@link Thread#yield()}: on JDK 25 a yielding thread goes back on its carrier's own queue
     * whenever that queue is not empty ({@code VirtualThread.afterYield}), and with twenty busy
     * clients it never is, so newcomers still waited seconds. A 1 ns timed park returns through
     * the scheduler's timer, from outside, like them. 16 KiB, one full read: newcomers waited 4-9 ms.
     */
    static final int YIELD_AFTER_BYTES = 16 * 1024;

    private final ServerSocket listener;
    private final Log log;
    private final int maxLine;
    private final long graceMillis;
    private final ConnectedClients<Conversation> clients;
    private final AcceptBackoff acceptBackoff;
    private final EchoSession.LineHook lineHook;
    /** Null unless {@code --debug}: then each read's handling is timed. */
    private final DebugMode debug;
    private volatile boolean stopping;
    private volatile boolean serving;
    /** Released by {@code serve()} once the stop is complete. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    public VirtualThreadEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.graceMillis = options.intValue("--grace-ms");
        this.clients = new ConnectedClients<>(log, options.intValue("--max-clients"));
        this.debug = options.flag("--debug") ? new DebugMode(log, options.intValue("--slow-callback-ms")) : null;
        this.lineHook = Boom.hook(debug);
        listener = new ServerSocket();
        listener.setReuseAddress(true); // restart at once even with old connections in TIME_WAIT
        // A deep backlog: a burst waits in the kernel's queue (and through an accept back-off).
        listener.bind(options.bindAddress(), 4096);
        acceptBackoff = new AcceptBackoff(log, localAddress());
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Accepts on the caller's thread, a platform thread: no client can keep the acceptor off a carrier. */
    @Override
    public void serve() throws IOException {
        serving = true;
        try {
            BeforeTheFirstAccept.buildThePoller();
            BeforeTheFirstAccept.loadClasses(Conversation.class);
            log.event("one virtual thread per client, carried by " + AsyncEchoServer.carriersInWords());
            acceptUntilStopped();
            clients.stop(graceMillis);
        } finally {
            stopped.countDown();
        }
    }

    private void acceptUntilStopped() throws IOException {
        long connectionNumber = 0;
        while (!stopping) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException acceptFailed) {
                if (stopping) {
                    return; // stop() closed the listener: the normal way out
                }
                // Most likely out of file descriptors. The connection stays in the kernel's queue;
                // pause (see AcceptBackoff), keep the listener, and the connected keep being served.
                pause(acceptBackoff.failed(acceptFailed, clients.count()));
                continue;
            }
            acceptBackoff.succeeded();
            var conversation = new Conversation(socket);
            Optional<byte[]> refusal = clients.admit(conversation);
            if (refusal.isPresent()) {
                refuse(socket, refusal.get());
                continue;
            }
            Thread.ofVirtual().name("client-" + ++connectionNumber).start(conversation::run);
        }
    }

    private static void pause(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while backing off after a failed accept", interrupted);
        }
    }

    /** The reply, FIN, close: a fresh connection's send buffer is empty, so this write cannot block the acceptor. */
    private void refuse(Socket socket, byte[] reply) {
        try (socket) {
            socket.getOutputStream().write(reply);
            socket.shutdownOutput(); // FIN after the reply, so close() cannot turn it into a reset
        } catch (IOException gone) {
            log.event(socket.getRemoteSocketAddress(), "refused client was already gone: " + gone.getMessage());
        }
    }

    /** One client, served by its own virtual thread. */
    private final class Conversation implements ConnectedClients.Client {
        private final Socket socket;
        private final SocketAddress address;
        private final EchoSession session;
        /**
         * Guards the session between this client's thread and a stop. Held while handling a read
         * (the write included), never while waiting in {@code read()}: so a stop that gets it
         * knows the thread is waiting for input. A {@code ReentrantLock}, not {@code synchronized}:
         * before JDK 24 a virtual thread blocking inside {@code synchronized} pins its carrier.
         */
        private final ReentrantLock lock = new ReentrantLock();
        /** Set at the stop, between lines: nothing more from this client is echoed. */
        private boolean inputOver;
        /** Set by {@link #closeNow}: why the exception its thread is about to get is no accident. */
        private volatile String closedBecause;

        Conversation(Socket socket) {
            this.socket = socket;
            this.address = socket.getRemoteSocketAddress();
            this.session = new EchoSession(address, maxLine, log, lineHook);
        }

        @Override
        public SocketAddress address() {
            return address;
        }

        /** The whole life of one client. Every way out is logged, with the stack trace when unexpected. */
        void run() {
            String outcome;
            try (socket) {
                socket.setTcpNoDelay(true); // each write is a whole read's echo: nothing to gain by waiting
                outcome = echoUntilFinished();
            } catch (IOException lost) {
                // A reset or a broken pipe (the client's doing), or closeNow() at the end of the grace.
                outcome = closedBecause != null ? closedBecause : "connection lost: " + lost.getMessage();
            } catch (RuntimeException | Error bug) {
                log.error(address, "unexpected failure serving this client; closing it", bug);
                outcome = "closed after an unexpected failure";
            }
            clients.left(this, outcome);
        }

        private String echoUntilFinished() throws IOException {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            ReadBuffer buffer = new ReadBuffer();
            String failure = null;
            while (!session.isFinished()) {
                if (stopping && stopTakingInput()) {
                    break;
                }
                ByteBuffer input = buffer.forRead();
                // Parks this virtual thread (not its carrier) until bytes arrive, or -1 at end of stream.
                int count = in.read(input.array(), 0, input.capacity());
                lock.lock();
                try {
                    failure = handle(input, count, out);
                    buffer.adapt(count);
                } finally {
                    lock.unlock();
                }
                fairTurn(count);
            }
            if (failure != null) {
                return failure;
            }
            socket.shutdownOutput(); // FIN after the last echo, before close() can reset it
            if (inputOver) {
                // Lingering close: whatever the client still sends is read and dropped until it
                // closes (or the deadline closes it). Closing with its bytes unread would make the
                // kernel send a reset, which throws away the end of the echo still on its way.
                int count;
                while ((count = in.read(buffer.forRead().array())) >= 0) {
                    fairTurn(count);
                }
                return "closed at the stop, its echo complete";
            }
            return session.endedWithOverlongLine() ? "disconnected for an overlong line" : "disconnected";
        }

        private int servedInARow;

        /** The fairness bound: see YIELD_AFTER_BYTES. */
        private void fairTurn(int count) {
            servedInARow += Math.max(count, 0);
            if (servedInARow >= YIELD_AFTER_BYTES) {
                servedInARow = 0;
                LockSupport.parkNanos(1);
            }
        }

        /** One read: its lines are queued, then written in one write. Returns the outcome if the handler failed. */
        private String handle(ByteBuffer input, int count, OutputStream out) throws IOException {
            String[] failure = new String[1];
            DebugMode.Section section = () -> {
                try {
                    if (count < 0) {
                        session.endOfStream();
                    } else {
                        session.received(stopping ? ConnectedClients.finishingLineOnly(input.limit(count), session) : input.limit(count));
                    }
                } catch (RuntimeException handlerFailed) {
                    // The book's lesson: an exception in a task nobody looks at is lost. Here it is
                    // logged with the client and stack trace; the lines before it are queued already
                    // and go out below, then this client (only) is closed.
                    log.error(address, "handler failed, closing this client after the echo it is owed", handlerFailed);
                    session.finishInput();
                    failure[0] = "closed after a handler failure";
                }
                if (session.hasUnsent()) {
                    // One write per read. It parks while the client's window is full, and meanwhile
                    // we do not read: the contract's output bound, from blocking for free.
                    ByteBuffer echo = session.unsent();
                    out.write(echo.array(), echo.arrayOffset() + echo.position(), echo.remaining());
                    session.sent(echo.remaining());
                }
            };
            if (debug == null) {
                section.run();
            } else {
                debug.timed(address, section);
            }
            return failure[0];
        }

        /**
         * See ConnectedClients: the stop has begun. If this thread is waiting in {@code read()}
         * (we get the lock) with nothing in flight, not even unread bytes in the socket, the
         * client is closed at once. Otherwise this thread sees the stop itself, after its read.
         */
        @Override
        public void stopReading() {
            if (lock.tryLock()) {
                try {
                    if (!inputOver && session.isIdle() && socket.getInputStream().available() == 0) {
                        closeNow("closed at the stop, idle");
                    }
                } catch (IOException closed) {
                    log.event(address, "closed already: " + closed.getMessage()); // its thread is ending anyway
                } finally {
                    lock.unlock();
                }
            }
        }

        /** At the stop, between lines: take no more input. True if the session is then finished. */
        private boolean stopTakingInput() {
            lock.lock();
            try {
                if (!inputOver && session.unfinishedLineBytes() == 0) {
                    inputOver = true;
                    session.finishInput();
                }
                return session.isFinished();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void closeNow(String outcome) {
            closedBecause = outcome;
            Closer.close(socket, log); // wakes its thread in read() or write() with an exception
        }
    }

    @Override
    public void stop() {
        if (!stopping) {
            stopping = true;
            log.event("stop: closing the listener, new connections are refused from now on");
            Closer.close(listener, log);
        }
        if (!serving) {
            return; // serve() never ran: no clients to wait for
        }
        try {
            // serve() stops the clients; its one deadline bounds this wait, plus a margin.
            if (!stopped.await(graceMillis + 5_000, TimeUnit.MILLISECONDS)) {
                log.warn("stop: serve() did not finish in time");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            log.warn("stop: interrupted while waiting for clients to finish");
        }
    }
}
