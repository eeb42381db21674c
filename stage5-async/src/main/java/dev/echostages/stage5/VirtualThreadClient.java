package dev.echostages.stage5;

import dev.echostages.common.EchoSession;
import dev.echostages.common.LingeringClose;
import dev.echostages.common.Log;
import dev.echostages.common.MemoryBudget;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Pitfall 4, a thread blocked in {@code read()} cannot be asked anything: one client of the
 * virtual-thread server as the stop, {@code --max-clients} and the memory budget see it.
 *
 * <p>Other threads (the stop, the budget) need to know when it is safe to act on a client whose
 * thread may be waiting in {@code read()}. {@link #lock} is held while a read is handled (its write
 * included) and never while waiting in {@code read()}: whoever else gets it knows the thread is
 * waiting for input. A {@code ReentrantLock}, not {@code synchronized}: before JDK 24 a virtual
 * thread blocking inside {@code synchronized} pins its carrier.
 */
final class VirtualThreadClient implements ConnectedClients.Client {
    final Socket socket;
    final SocketAddress address;
    final EchoSession session;
    private final InputStream in;
    /** Taken once: {@code Socket.getOutputStream()} throws after {@code shutdownOutput()}, and a closing client still reads. */
    final OutputStream out;
    private final ReadBuffer buffer = new ReadBuffer();
    private final ReentrantLock lock = new ReentrantLock();
    private final Settings settings;
    /** Set by {@link #closeNow}: why the exception its thread is about to get is no accident. */
    private volatile String closedBecause;

    /** The server's step that writes what a session owes, and FIN when it is due. */
    interface Flush {
        void flush(VirtualThreadClient client) throws IOException;
    }

    /** What every client of one server shares: its options, its log, its clients, and its flush. */
    static final class Settings {
        final int maxLine;
        final Log log;
        final MemoryBudget budget;
        final EchoSession.LineHook lineHook;
        final ConnectedClients clients;
        final Flush flush;
        final DebugMode.Handler<VirtualThreadClient> handler; // handleRead, or under --debug handleRead timed

        Settings(ServerOptions options, Log log, ConnectedClients clients, Flush flush) {
            this.maxLine = options.maxLine();
            this.log = log;
            this.budget = MemoryBudget.from(options);
            DebugMode debug = DebugMode.from(options, log);
            this.lineHook = Boom.hook(debug);
            this.clients = clients;
            this.flush = flush;
            this.handler = DebugMode.timed(debug, VirtualThreadClient::handleRead, client -> client.address);
        }
    }

    VirtualThreadClient(Socket socket, Settings settings) throws IOException {
        this.socket = socket;
        this.address = socket.getRemoteSocketAddress();
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.settings = settings;
        this.session = new EchoSession(address, settings.maxLine, settings.log, settings.lineHook,
                settings.budget.open(address, this::overBudget));
    }

    /** The buffer for the next read; while closing, a read waits no longer than the lingering close may last. */
    ByteBuffer forRead() throws IOException {
        if (session.closing()) {
            socket.setSoTimeout((int) Math.max(1, session.lingerMillisLeft()));
        }
        return buffer.forRead();
    }

    /** One read of {@code count} bytes (-1: end of stream), handled under the lock; timed under {@code --debug}. */
    void handle(int count) throws IOException {
        settings.handler.handle(this, count);
    }

    /** Its lines queued in the session, then the server's flush writes them in one write. */
    private void handleRead(int count) throws IOException {
        lock.lock();
        try {
            try {
                if (count < 0) {
                    session.endOfStream();
                } else {
                    settings.clients.received(session, buffer.filled(count));
                }
            } catch (RuntimeException handlerFailed) { // the book's lesson: logged, with its client; not lost
                settings.log.error(address, "handler failed, closing this client after the echo it is owed", handlerFailed);
                session.closeAfterOwed("closed after a handler failure");
            }
            settings.flush.flush(this);
            buffer.adapt(count);
        } finally {
            lock.unlock();
        }
    }

    /**
     * How its thread's exception is to be read: the reason it was closed on purpose (the stop, a
     * deadline), the session's outcome if the lingering close timed out, or a connection lost.
     */
    String outcome(IOException lost) {
        return closedBecause != null ? closedBecause
                : session.closing() ? session.outcome() : "connection lost: " + lost.getMessage();
    }

    @Override
    public SocketAddress address() {
        return address;
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
            settings.log.event(address, "closed already: " + closedAlready.getMessage()); // its thread reports how it ended
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void refuse(byte[] reply) {
        session.release();
        LingeringClose.inBackground(socket, reply, settings.log);
    }

    /**
     * The budget picked this client while its thread may wait in {@code read()}: a thread of its
     * own (holding no other client's lock) drops its line, sends the reply and FIN, and closes it
     * at the lingering close's deadline if the client has not closed by then.
     */
    private void overBudget() {
        Thread.ofVirtual().start(() -> {
            lock.lock();
            try {
                session.closeIfOverBudget();
                settings.flush.flush(this);
            } catch (IOException gone) {
                closeNow("connection lost while closing: " + gone.getMessage());
            } finally {
                lock.unlock();
            }
            CompletableFuture.delayedExecutor(LingeringClose.MAX_MILLIS, TimeUnit.MILLISECONDS).execute(() -> closeNow(session.outcome()));
        });
    }

    @Override
    public void closeNow(String outcome) {
        closedBecause = outcome;
        try {
            socket.close(); // wakes its thread in read() or write() with an exception
        } catch (IOException failed) {
            settings.log.warn(address, "closing failed: " + failed);
        }
    }
}
