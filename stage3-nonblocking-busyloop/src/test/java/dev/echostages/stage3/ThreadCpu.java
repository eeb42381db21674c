package dev.echostages.stage3;

import dev.echostages.common.CpuMeter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** How much of a core one thread used, for the tests that prove a loop spins. */
final class ThreadCpu {
    private ThreadCpu() {
    }

    /**
     * One second (or so) of a thread's life.
     *
     * @param cpu CPU seconds the thread used per second of wall time (ThreadMXBean)
     * @param wantedCpu CPU time plus time spent waiting in the run queue for a core, per second;
     *     a thread that never sleeps scores about 1 here however busy the machine is, a thread
     *     that sleeps scores about 0. NaN where Linux' schedstat is not available.
     */
    record Sample(double cpu, double wantedCpu) {
        /**
         * The test machine is shared, so a spinning thread can be kept off the CPU by others: it
         * counts as spinning when it got at least half a core, or when it wanted a core nearly all
         * the time and only other processes kept it waiting.
         */
        boolean spinning() {
            return cpu >= 0.5 || wantedCpu >= 0.9;
        }

        @Override
        public String toString() {
            return String.format("%.2f s of CPU per second (%.2f s running or waiting for a core)", cpu, wantedCpu);
        }
    }

    /** The busiest of up to {@code windows} one-second samples of {@code thread}. */
    static Sample busiestSecond(Thread thread, int windows) throws InterruptedException {
        Path schedstat = schedstatOf(thread);
        Sample best = new Sample(0, 0);
        for (int i = 0; i < windows; i++) {
            long cpuBefore = CpuMeter.threadCpuNanos(thread);
            long wantedBefore = wantedNanos(schedstat);
            long wallBefore = System.nanoTime();
            Thread.sleep(1000);
            double wall = System.nanoTime() - wallBefore;
            var sample = new Sample((CpuMeter.threadCpuNanos(thread) - cpuBefore) / wall,
                    schedstat == null ? Double.NaN : (wantedNanos(schedstat) - wantedBefore) / wall);
            if (sample.cpu() > best.cpu()) {
                best = sample;
            }
            if (best.cpu() >= 0.9) {
                break; // plainly spinning; no need to look longer
            }
        }
        return best;
    }

    /**
     * Linux' per-thread scheduler statistics, found by the thread's name (the kernel keeps its
     * first 15 characters). Null elsewhere, or when the name is ambiguous.
     */
    private static Path schedstatOf(Thread thread) {
        String name = thread.getName().substring(0, Math.min(15, thread.getName().length()));
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            var matches = tasks.filter(task -> name.equals(read(task.resolve("comm")))).toList();
            return matches.size() == 1 ? matches.getFirst().resolve("schedstat") : null;
        } catch (IOException | UncheckedIOException notLinux) {
            return null;
        }
    }

    /** Nanoseconds on a CPU plus nanoseconds waiting for one (the first two schedstat fields). */
    private static long wantedNanos(Path schedstat) {
        if (schedstat == null) {
            return 0;
        }
        String[] fields = read(schedstat).split(" ");
        return Long.parseLong(fields[0]) + Long.parseLong(fields[1]);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException gone) {
            throw new UncheckedIOException(gone);
        }
    }
}
