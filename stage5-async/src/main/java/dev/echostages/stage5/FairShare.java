package dev.echostages.stage5;

import java.util.concurrent.locks.LockSupport;

/**
 * Pitfall 1, fairness (CONTRACT item 7): a client whose socket always has data must not keep the
 * thread that serves it. Both servers count the bytes a client is served since its last turn
 * ended; past a budget its turn is over, and it queues behind the others. (Counting bytes in a row
 * instead, reset whenever a read comes back short, would let a client that sends in small pieces
 * never end its turn: a short read does not mean the next one waits.)
 * <ul>
 *   <li>Virtual threads are not time-sliced: one runs until it blocks, and a client with data
 *       always waiting never blocks in {@code read()}. With one carrier nobody else would run,
 *       newcomers included. At the end of its turn the thread parks for a nanosecond
 *       ({@link #yieldCarrier()}): the timer that wakes it hands it back to the scheduler from
 *       outside, behind the others waiting. ({@code Thread.yield()} is not enough: a yielding
 *       virtual thread may go straight back to the front of its carrier's own queue.)</li>
 *   <li>When data is waiting, the JDK completes a channel read inline, on the thread that asked,
 *       and the handler asks again: the channels server gives the next read to the group's queue
 *       instead, behind everybody already waiting.</li>
 * </ul>
 */
final class FairShare {
    private final int budget;
    private int servedThisTurn;

    /** {@code budget}: bytes per turn; one or a few full reads. */
    FairShare(int budget) {
        this.budget = budget;
    }

    /** After each read of {@code count} bytes (-1 at the end of the stream): true when the turn is over. */
    boolean turnIsOver(int count) {
        servedThisTurn += Math.max(count, 0);
        if (servedThisTurn < budget) {
            return false;
        }
        servedThisTurn = 0;
        return true;
    }

    /** The end of a virtual thread's turn. */
    static void yieldCarrier() {
        LockSupport.parkNanos(1);
    }
}
