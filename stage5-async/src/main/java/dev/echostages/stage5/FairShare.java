package dev.echostages.stage5;

import java.util.concurrent.locks.LockSupport;

/**
 * Pitfall 1, fairness (CONTRACT item 7): a client whose socket always has data must not keep the
 * thread that serves it. Both servers count the bytes a client is served in a row, while its socket
 * still had more; once it runs dry the client has paused, its next read waits for it anyway, and
 * the count starts again. Past a budget in a row, the client's turn is over and it queues behind
 * the others. (The count must not restart on a short read alone: a client that keeps sending in
 * small pieces makes every read short without its socket ever running dry.)
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

    /** The end of a virtual thread's turn. */
    static void yieldCarrier() {
        LockSupport.parkNanos(1);
    }
}
