package dev.echostages.common;

import java.io.IOException;
import java.net.SocketAddress;

/**
 * What every stage does when {@code accept()} fails, most likely with "Too many open
 * files": pause accepting, longer each time in a row, and say so in one log line per pause.
 *
 * <p>Why pause at all: the failed connection stays queued in the kernel, so the listener stays
 * ready, and retrying at once would spin at full CPU and print the same error thousands of times a
 * second. Why doubling: a short first pause recovers quickly from a brief burst; a long shortage
 * costs one line per second, not a flood. Why keep the listener open: waiting clients stay in the
 * kernel's queue and are served as soon as descriptors are free again. The clients already
 * connected are served throughout.
 *
 * <p>Only the waiting is left to the stage, because that is its I/O model: stages 1 and 2 sleep
 * (stage 2 then gives its clients their turn without a newcomer), stage 3 skips
 * {@code accept()} until the time is up, stage 4 removes OP_ACCEPT from the listener's interest,
 * the virtual-thread acceptor sleeps, the channels server schedules its next accept.
 */
public final class AcceptBackoff {
    public static final long FIRST_PAUSE_MILLIS = 50;
    public static final long MAX_PAUSE_MILLIS = 1_000;

    private final Log log;
    private final SocketAddress listener;
    private long pauseMillis;
    /** When the current pause ends ({@link System#nanoTime()}); in the past when not pausing. */
    private long resumeAt = System.nanoTime();

    public AcceptBackoff(Log log, SocketAddress listener) {
        this.log = log;
        this.listener = listener;
    }

    /** An accept failed: returns how long to pause before the next one, and logs it once. */
    public long failed(IOException failure, int clientsConnected) {
        pauseMillis = pauseMillis == 0 ? FIRST_PAUSE_MILLIS : Math.min(MAX_PAUSE_MILLIS, pauseMillis * 2);
        log.warn(listener, "accept failed (" + failure.getMessage() + "): not accepting for " + pauseMillis
                + " ms; new clients wait in the kernel's queue (" + Clients.count(clientsConnected) + " connected)");
        resumeAt = System.nanoTime() + pauseMillis * 1_000_000;
        return pauseMillis;
    }

    /** True while a pause that {@link #failed} began has not ended yet. */
    public boolean pausing() {
        return millisToResume() > 0;
    }

    /** How long the current pause still lasts, rounded up; 0 when not pausing. */
    public long millisToResume() {
        return Math.max(0, (resumeAt - System.nanoTime() + 999_999) / 1_000_000);
    }

    /** For an acceptor that may block (stages 1, 2 and 5): {@link #failed}, then the pause itself. */
    public void pause(IOException failure, int clientsConnected) throws IOException {
        try {
            Thread.sleep(failed(failure, clientsConnected));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while backing off after a failed accept", interrupted);
        }
    }

    /** An accept worked: the next failure starts again from the shortest pause. */
    public void succeeded() {
        pauseMillis = 0;
    }
}
