package dev.echostages.stage3;

import dev.echostages.common.Clients;
import dev.echostages.common.CpuMeter;
import dev.echostages.common.Log;
import java.util.Locale;

/**
 * The stats line ({@code --stats}, every {@code --stats-interval} seconds): how many times the loop
 * went round, and how much of a core its thread burnt doing it. One thread can use at most one
 * core, so the share is of one core: 100% means the loop never rested. The loop thread's own CPU
 * time is measured, not the process's, which also counts the JIT compiler and the garbage
 * collector on other cores and could read above 100%.
 */
final class LoopStats {
    private final boolean on;
    private final long intervalNanos;
    private final Log log;
    private long passes;
    private long lastReport = System.nanoTime();
    /** The loop thread's CPU at the last report; read first on the loop's first pass, on its own thread. */
    private long cpuAtLastReport = -1;

    LoopStats(boolean on, int intervalSeconds, Log log) {
        this.on = on && !log.quiet();
        this.intervalNanos = intervalSeconds * 1_000_000_000L;
        this.log = log;
    }

    /** One more pass of the loop, on the loop's thread. */
    void pass(int clients) {
        if (!on) {
            return;
        }
        passes++;
        if (cpuAtLastReport < 0) {
            cpuAtLastReport = CpuMeter.threadCpuNanos(Thread.currentThread());
        }
        long now = System.nanoTime();
        if (now - lastReport < intervalNanos) {
            return;
        }
        long cpu = CpuMeter.threadCpuNanos(Thread.currentThread());
        double seconds = (now - lastReport) / 1e9;
        log.event(String.format(Locale.ROOT, "stats: %,d loop passes/s, loop thread busy %.0f%% of a core, %s",
                Math.round(passes / seconds), 100.0 * (cpu - cpuAtLastReport) / (now - lastReport), Clients.count(clients)));
        passes = 0;
        lastReport = now;
        cpuAtLastReport = cpu;
    }
}
