package dev.echostages.stage4;

import dev.echostages.common.CpuMeter;
import dev.echostages.common.Log;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code --idle-ticks}: the book's "no events" line. With it on, {@code select()} wakes once a
 * second even when nothing happens, and each such second is logged with what it cost the loop
 * thread: next to nothing, the opposite of stage 3's spinning counter.
 */
final class IdleTicks {
    static final long TICK_MILLIS = 1_000;

    private final boolean on;
    private final Log log;
    private long asleepSince;
    private long cpuBefore;

    IdleTicks(boolean on, Log log) {
        this.on = on;
        this.log = log;
    }

    /** The longest a {@code select()} may sleep for the next tick; 0 (no limit) when off. */
    long timeoutMillis() {
        return on ? TICK_MILLIS : 0;
    }

    /** A {@code select()} timeout: the soonest of {@code dueMillis} that is set (above 0), or 0 (none). */
    static long soonest(long... dueMillis) {
        return Arrays.stream(dueMillis).filter(due -> due > 0).min().orElse(0);
    }

    void beforeSelect() {
        if (on) {
            asleepSince = System.nanoTime();
            cpuBefore = CpuMeter.threadCpuNanos(Thread.currentThread());
        }
    }

    /** After a {@code select()} that handled {@code handled} keys: a tick, if it slept its second with nothing to do. */
    void afterSelect(int handled) {
        long asleepNanos = System.nanoTime() - asleepSince;
        if (!on || handled > 0 || asleepNanos < TICK_MILLIS * 1_000_000 * 9 / 10) {
            return; // work, or woken early (a closing client's deadline, an accept back-off ending): not a tick
        }
        long cpuNanos = CpuMeter.threadCpuNanos(Thread.currentThread()) - cpuBefore;
        log.event(String.format(Locale.ROOT, "select() found no events in %.1f s asleep in the kernel (loop thread CPU %.2f ms)",
                asleepNanos / 1e9, cpuNanos / 1e6));
    }
}
