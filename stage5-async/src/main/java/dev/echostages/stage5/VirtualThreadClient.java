package dev.echostages.stage5;

import dev.echostages.common.EchoSession;
import dev.echostages.common.LingeringClose;
import dev.echostages.common.Log;
import dev.echostages.common.MemoryBudget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client of the virtual-thread server, as the stop, {@code --max-clients} and the memory
 * budget see it: the pitfalls of a blocking style, kept out of the lesson.
 *
 * <p>A thread blocked in {@code read()} cannot be asked anything, so other threads (the stop, the
 * budget) need to know when it is safe to act on its client. {@link #lock} is held while a read is
 * handled (its write included) and never while waiting in {@code read()}: whoever else gets it
 * knows the thread is waiting for input. A {@code ReentrantLock}, not {@code synchronized}: before
 * JDK 24 a virtual thread blocking inside {@code synchronized} pins its carrier.
 */
final class VirtualThreadClient implements ConnectedClients.Client {
    final Socket socket;
    final SocketAddress address;
    final EchoSession session;
    final InputStream in;
    final OutputStream out;
    final ReadBuffer buffer = new ReadBuffer();
    final ReentrantLock lock = new ReentrantLock();
    private final Log log;
    /** Set by {@link #closeNow}: why the exception its thread is about to get is no accident. */
    private volatile String closedBecause;
    /** What the server does with the echo owed (its flush), for the budget's thread below. */
    private final Flush flush;

    /** The server's step that writes what a session owes, and FIN when it is due. */
    interface Flush {
        void flush(VirtualThreadClient client) throws IOException;
    }

    VirtualThreadClient(Socket socket, int maxLine, Log log, EchoSession.LineHook hook, MemoryBudget budget, Flush flush)
            throws IOException {
        this.socket = socket;
        this.address = socket.getRemoteSocketAddress();
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.log = log;
        this.flush = flush;
        this.session = new EchoSession(address, maxLine, log, hook, budget.open(address, this::overBudget));
    }

    /** How its thread's exception is to be read: the reason it was closed on purpose, or null. */
    String closedBecause() {
        return closedBecause;
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
     * The budget picked this client while its thread may wait in {@code read()}: a thread of its
     * own (holding no other client's lock) drops its line, sends the reply and FIN, and closes it
     * at the lingering close's deadline if the client has not closed by then.
     */
    private void overBudget() {
        Thread.ofVirtual().start(() -> {
            lock.lock();
            try {
                session.closeIfOverBudget();
                flush.flush(this);
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
            log.warn(address, "closing failed: " + failed);
        }
    }
}
