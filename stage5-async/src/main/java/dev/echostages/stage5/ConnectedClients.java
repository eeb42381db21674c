package dev.echostages.stage5;

import dev.echostages.common.Clients;
import dev.echostages.common.Closer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.Protocol;
import dev.echostages.common.ServerOptions;
import java.io.Closeable;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pitfall 3, the stop, and {@code --max-clients}: what both stage 5 servers do the same way
 * whatever their I/O model. Each server's connection class says how to close an idle client and
 * how to hang up; the rule itself is here, once, with the one "stopping" state both servers read.
 *
 * <p><b>Refusal.</b> Past {@code --max-clients} a newcomer gets one line saying so and is closed
 * by the lingering close, rather than waiting unserved in the kernel's queue with no idea why.
 *
 * <p><b>The stop rule</b> (CONTRACT item 11), in the order it happens:
 * <ol>
 *   <li>The listener closes: the kernel refuses new connections from this instant.</li>
 *   <li>A client with nothing in flight (no partial line, no echo owed, its read waiting, and on
 *       the virtual server not even unread bytes in its socket) is closed at once. With only idle
 *       clients the stop takes milliseconds.</li>
 *   <li>Any other client is served until it is between lines: the read in progress is echoed,
 *       and a client in the middle of a line may finish that line (up to its {@code \n} and no
 *       further). Then it is closed the way {@code LingeringClose} describes: the echo, FIN, the
 *       client's last bytes read and dropped, close.</li>
 *   <li>One deadline, {@code --grace-ms} after the signal, for all of them together (the book
 *       waits its timeout for each task in turn): whoever is still connected then is closed.</li>
 * </ol>
 * Input stops first so that the grace is spent on what clients are owed rather than on new work
 * from clients that never pause.
 */
final class ConnectedClients {

    /** A deep backlog: a burst waits in the kernel's queue (and through an accept back-off). */
    static final int BACKLOG = 4096;
    /** After the deadline, how long closed clients get to report back before the stop moves on. */
    private static final long CLOSE_WAIT_MILLIS = 1_000;
    static final String STOPPED_BETWEEN_LINES = "closed at the stop, its echo complete";

    /** One connection, as the stop sees it. */
    interface Client {
        SocketAddress address();

        /** Past {@code --max-clients}: send {@code reply}, then the lingering close, without admitting it. */
        void refuse(byte[] reply);

        /**
         * The stop has begun: close now if nothing is in flight; if in the middle of a line, take
         * no more input after it ({@link EchoSession#closeAfterLine}); a client busy with a read
         * hears of the stop right after it ({@link #afterRead}).
         */
        void stopReading();

        /** The grace is over: close now, whatever is owed, and report the outcome through {@link #left}. */
        void closeNow(String outcome);
    }

    private final Log log;
    private final int maxClients;
    private final long graceMillis;
    private final Closeable listener;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile boolean stopping;
    /** Opened when the stop is complete: {@code serve()} and later {@code stop()} calls wait for it. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    ConnectedClients(Log log, ServerOptions options, Closeable listener) {
        this.log = log;
        this.maxClients = options.intValue("--max-clients");
        this.graceMillis = options.intValue("--grace-ms");
        this.listener = listener;
    }

    /** True from the instant a stop begins: the one flag both servers read. */
    boolean stopping() {
        return stopping;
    }

    int count() {
        return count.get();
    }

    /** A newcomer, from the one thread that accepts: true if admitted; otherwise it was refused. */
    boolean admit(Client client) {
        if (count.get() >= maxClients) {
            log.warn(client.address(), "refused: already serving " + Clients.count(maxClients) + " (--max-clients)");
            client.refuse(Protocol.serverFullReply(maxClients));
            return false;
        }
        clients.add(client);
        int now = count.incrementAndGet();
        // Added first, checked second (stop() sets the flag, then looks at the set): either the
        // stop sees this client, or this sees the stop. It cannot slip between the two.
        if (stopping) {
            clients.remove(client);
            count.decrementAndGet();
            log.event(client.address(), "connected during the stop: closing it");
            client.refuse(new byte[0]);
            return false;
        }
        log.event(client.address(), Clients.connected(now));
        return true;
    }

    /**
     * Hands a read's bytes to the session, by the stop rule once the stop has begun: a client in
     * the middle of a line takes that line and nothing after it; a client between lines takes this
     * read (the one the stop found waiting) and nothing after it.
     */
    void received(EchoSession session, ByteBuffer input) throws IOException {
        if (stopping && session.unfinishedLineBytes() > 0) {
            session.closeAfterLine(STOPPED_BETWEEN_LINES);
        }
        session.received(input);
        afterRead(session);
    }

    /** Once the stop has begun, a client takes no more input after the line it is in. */
    void afterRead(EchoSession session) {
        if (stopping) {
            session.closeAfterLine(STOPPED_BETWEEN_LINES);
        }
    }

    /** A client's connection is closed; {@code outcome} says why. Called once per admitted client. */
    void left(Client client, String outcome) {
        if (clients.remove(client)) {
            log.event(client.address(), Clients.ended(outcome, count.decrementAndGet()));
            synchronized (this) {
                notifyAll(); // a stop may be waiting for the last one
            }
        }
    }

    void stop() {
        stop(() -> { });
    }

    /**
     * The stop rule above, then {@code afterwards} (the channels server shuts its thread group
     * down). Returns when everything is done; callable from any thread, more than once.
     */
    void stop(Runnable afterwards) {
        if (!stopRequested.compareAndSet(false, true)) {
            awaitStopped(); // someone else is stopping: return when they are done, as promised
            return;
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
            stopping = true;
            Closer.close(listener, log);
            log.event("stop: listening socket closed, new connections are refused from now on");
            List<Client> connected = List.copyOf(clients);
            if (!connected.isEmpty()) {
                log.event("stop: " + Clients.count(connected.size()) + " connected; not reading new input,"
                        + " the others get " + graceMillis + " ms");
            }
            connected.forEach(Client::stopReading);
            if (awaitNoClients(deadline)) {
                if (!connected.isEmpty()) {
                    log.event("stop: every client has finished");
                }
            } else {
                List<Client> late = List.copyOf(clients);
                log.event("stop: grace period over, closing " + Clients.count(late.size()) + " still mid-line, mid-write or draining");
                late.forEach(client -> client.closeNow("closed at the end of the grace period"));
                if (!awaitNoClients(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS))) {
                    log.warn("stop: " + Clients.count(count.get()) + " did not report back after being closed; leaving them");
                }
            }
            afterwards.run();
        } finally {
            stopped.countDown();
        }
    }

    /** For {@code serve()}: returns once a stop has completed. */
    void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException interrupted) {
            log.warn("stop: interrupted while waiting for the stop to finish");
            Thread.currentThread().interrupt();
        }
    }

    private synchronized boolean awaitNoClients(long deadlineNanos) {
        while (!clients.isEmpty()) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException interrupted) {
                // Whoever interrupts a stop wants it over: keep the flag, close the rest now.
                Thread.currentThread().interrupt();
                log.warn("stop: interrupted while waiting for clients; closing them now");
                return false;
            }
        }
        return true;
    }
}
