package dev.echostages.stage5;

import dev.echostages.common.Clients;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.Protocol;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What both stage 5 servers do the same way whatever their I/O model: keep the connected clients,
 * turn away one too many, and stop by one rule. Only the reading and writing differ, so each
 * server's connection class says how to stop reading ({@link Client#stopReading()}) and how to
 * hang up ({@link Client#closeNow}); the rule itself is here, once.
 *
 * <p><b>Refusal.</b> Past {@code --max-clients} a newcomer gets one line saying so and is closed,
 * rather than waiting unserved in the kernel's queue with no idea why.
 *
 * <p><b>The stop rule</b> (CONTRACT item 11), in the order it happens:
 * <ol>
 *   <li>The listener closes: the kernel refuses new connections from this instant.</li>
 *   <li>A client with nothing in flight (no partial line, no echo owed, its read waiting, and on
 *       the virtual server not even unread bytes in its socket) is closed at once. With only idle
 *       clients the stop takes milliseconds.</li>
 *   <li>Any other client is served until it is between lines: the read in progress, or the one
 *       the stop found waiting, is echoed; a client in the middle of a line may finish that line
 *       (up to its {@code \n} and no further, see {@link #finishingLineOnly}). Then it takes no
 *       more input: its echo goes out, then FIN, then whatever it still sends is read and dropped
 *       until it closes (closing on unread bytes would send a reset that destroys the end of the
 *       echo), then it is closed.</li>
 *   <li>One deadline, {@code --grace-ms} after the signal, for all of them together (the book
 *       waits its timeout for each task in turn): whoever is still connected then is closed.</li>
 * </ol>
 * What the grace promises, then: every line the server had read when the stop began (or read in
 * that same read), and a line a client was in the middle of and finishes within the grace, is
 * echoed, if the client reads its echo before the deadline. Lines still in the kernel's buffers
 * are not read. Input stops first so that the grace is spent on what clients are owed rather
 * than on new work from clients that never pause: before, under load, clients were cut off at the
 * deadline owing lines read before the signal while lines sent after it were being echoed.
 */
final class ConnectedClients<C extends ConnectedClients.Client> {

    /** One connection, as the stop sees it. */
    interface Client {
        SocketAddress address();

        /** The stop has begun: shut input now if between lines, otherwise once the current line ends. */
        void stopReading();

        /** The grace is over: close now, whatever is owed, and report the outcome through {@link #left}. */
        void closeNow(String outcome);
    }

    /**
     * After the stop, what may still be taken from a read: all of it if the client was between
     * lines (the read the stop found waiting), else only the rest of the line it is in the middle
     * of, up to and including its {@code \n}; the bytes after it were sent after the stop.
     */
    static ByteBuffer finishingLineOnly(ByteBuffer input, EchoSession session) {
        if (session.unfinishedLineBytes() == 0) {
            return input;
        }
        for (int i = input.position(); i < input.limit(); i++) {
            if (input.get(i) == '\n') {
                return input.limit(i + 1);
            }
        }
        return input;
    }

    /** After the deadline, how long closed clients get to report back before the stop moves on. */
    private static final long CLOSE_WAIT_MILLIS = 1_000;

    private final Log log;
    private final int maxClients;
    private final Set<C> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();
    private volatile boolean stopping;

    ConnectedClients(Log log, int maxClients) {
        this.log = log;
        this.maxClients = maxClients;
    }

    boolean stopping() {
        return stopping;
    }

    int count() {
        return count.get();
    }

    /**
     * A newcomer, from the one thread that accepts: admitted (empty), or the reply to send it
     * before hanging up (no reply at all if the stop has begun).
     */
    Optional<byte[]> admit(C client) {
        if (count.get() >= maxClients) {
            log.warn(client.address(), "refused: already serving " + Clients.count(maxClients) + " (--max-clients)");
            return Optional.of(Protocol.serverFullReply(maxClients));
        }
        clients.add(client);
        int now = count.incrementAndGet();
        // Added first, checked second (stop() sets the flag, then looks at the set): either the
        // stop sees this client, or this sees the stop. It cannot slip between the two.
        if (stopping) {
            clients.remove(client);
            count.decrementAndGet();
            log.event(client.address(), "connected during the stop: closing it");
            return Optional.of(new byte[0]);
        }
        log.event(client.address(), Clients.connected(now));
        return Optional.empty();
    }

    /** A client's connection is closed; {@code outcome} says why. Called once per admitted client. */
    void left(C client, String outcome) {
        if (clients.remove(client)) {
            log.event(client.address(), Clients.ended(outcome, count.decrementAndGet()));
            synchronized (this) {
                notifyAll(); // a stop may be waiting for the last one
            }
        }
    }

    /** The stop rule above; returns when every client is gone or closed. The listener is closed already. */
    void stop(long graceMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        stopping = true;
        List<C> connected = List.copyOf(clients);
        if (connected.isEmpty()) {
            return;
        }
        log.event("stop: " + Clients.count(connected.size()) + " connected; not reading new input, idle clients close now, "
                + "the others get up to " + graceMillis + " ms to finish");
        connected.forEach(Client::stopReading);
        if (awaitNoClients(deadline)) {
            log.event("stop: every client has finished");
            return;
        }
        List<C> late = List.copyOf(clients);
        log.event("stop: grace period over, closing " + Clients.count(late.size()) + " still mid-line or mid-write");
        late.forEach(client -> client.closeNow("closed at the end of the grace period"));
        if (!awaitNoClients(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS))) {
            log.warn("stop: " + Clients.count(count.get()) + " did not report back after being closed; leaving them");
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
