package dev.echostages.stage5;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Pitfall 1, fairness (CONTRACT item 7): a client whose socket always has data must not keep the
 * thread that serves it. Both servers count the bytes a client is served; past a budget, its turn
 * is over and it queues behind the others. A client that paused meanwhile waited in its read
 * anyway: the channels server restarts the count on a read that did not fill its buffer, and the
 * virtual-thread server hands off at the budget only if more is still waiting in the socket (one
 * {@code available()} call per budget, not one per read).
 * <ul>
 *   <li>Virtual threads are not time-sliced: one runs until it blocks, and a client with data
 *       always waiting never blocks in {@code read()}. With one carrier nobody else would run.
 *       At the end of its turn the thread parks for a nanosecond ({@link Newcomers#handOff()}):
 *       the timer that wakes it hands it back to the scheduler from outside, behind the others
 *       waiting. ({@code Thread.yield()} is not enough: a yielding virtual thread may go straight
 *       back to the front of its carrier's own queue.)</li>
 *   <li>That is fair among the threads already running, not to a newcomer. The acceptor, a
 *       platform thread, puts a new thread on a submission queue of its own, and a carrier takes
 *       work from the queue it is on for as long as that queue has any: with one carrier and busy
 *       clients, it never empties. {@link Newcomers} counts the threads started and not yet
 *       running; a thread whose turn is over while there are any waits until they have run, so
 *       the queues empty and the carrier reaches the newcomer's. Measured with one carrier and 20
 *       saturating clients: newcomers waited up to 0.4 s without it, at most 13 ms with it.</li>
 *   <li>When data is waiting, the JDK completes a channel read inline, on the thread that asked,
 *       and the handler asks again: the channels server gives the next read to the group's queue
 *       instead, behind everybody already waiting.</li>
 * </ul>
 */
final class FairShare {
    private final int budget;
    private int servedInARow;

    /** {@code budget}: bytes in a row per turn; one or a few full reads. */
    FairShare(int budget) {
        this.budget = budget;
    }

    /** After each read of {@code count} bytes; {@code ranDry}: nothing more was waiting. True when the turn is over. */
    boolean turnIsOver(int count, boolean ranDry) {
        if (ranDry) {
            servedInARow = 0;
            return false;
        }
        servedInARow += count;
        if (servedInARow < budget) {
            return false;
        }
        servedInARow = 0;
        return true;
    }

    /** The virtual-thread server's newcomers: started, not yet run. One per server. */
    static final class Newcomers {
        /** How long a turn's end waits at most, should a newcomer never run (its start failed). */
        private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
        private final AtomicInteger waiting = new AtomicInteger();
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition allRunning = lock.newCondition();

        /** {@code serveOne} for a new client, counted as waiting until its thread first runs. */
        Runnable firstRun(Runnable serveOne) {
            waiting.incrementAndGet();
            return () -> {
                if (waiting.decrementAndGet() == 0) {
                    lock.lock();
                    try {
                        allRunning.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
                serveOne.run();
            };
        }

        /** The end of a virtual thread's turn: newcomers first, then behind the others. */
        void handOff() {
            if (waiting.get() > 0) {
                lock.lock();
                try {
                    long left = MAX_WAIT_NANOS;
                    while (waiting.get() > 0 && left > 0) {
                        left = allRunning.awaitNanos(left);
                    }
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt();
                } finally {
                    lock.unlock();
                }
            }
            LockSupport.parkNanos(1);
        }
    }
}
