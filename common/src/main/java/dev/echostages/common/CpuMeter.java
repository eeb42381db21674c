package dev.echostages.common;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;

/**
 * How much CPU this process (or one thread) burns, for stage 3's live report and the tests that
 * prove a busy loop burns a core while a selector sleeps.
 *
 * <p>Process time comes from the operating system ({@code /proc/self/stat} on Linux, through
 * {@link ProcessHandle}), so it counts every thread, virtual threads' carriers included. Thread
 * time comes from {@link ThreadMXBean}, which only knows platform threads.
 */
public final class CpuMeter {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private long lastCpuNanos;
    private long lastWallNanos;

    public CpuMeter() {
        lastCpuNanos = processCpuNanos();
        lastWallNanos = System.nanoTime();
    }

    /** CPU used by the whole process so far, in nanoseconds (10 ms resolution on Linux). */
    public static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** CPU used so far by one platform thread, in nanoseconds; -1 if it is gone or unsupported. */
    public static long threadCpuNanos(Thread thread) {
        return THREADS.getThreadCpuTime(thread.threadId());
    }

    /** Cores used by the process since the previous call (1.0 = one core fully busy). */
    public double coresSinceLastSample() {
        long cpu = processCpuNanos();
        long wall = System.nanoTime();
        double cores = (cpu - lastCpuNanos) / (double) Math.max(1, wall - lastWallNanos);
        lastCpuNanos = cpu;
        lastWallNanos = wall;
        return cores;
    }
}
