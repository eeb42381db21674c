package dev.echostages.tools.testing;

import dev.echostages.common.CpuMeter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * How much of a core one thread used, measured one way for every stage: the tests that prove
 * stage 3's loop spins and the tests that prove stage 4's loop sleeps read the same numbers.
 * CPU time comes from ThreadMXBean (every platform); the time spent waiting for a core, which
 * tells a spinning thread kept off the CPU by a busy machine from a sleeping one, from Linux'
 * {@code /proc/self/task/ID/schedstat} where it exists.
 */
public final class ThreadCpu {
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
    public record Sample(double cpu, double wantedCpu) {
        /**
         * The test machine is shared, so a spinning thread can be kept off the CPU by others: it
         * counts as spinning when it got at least half a core, or when it wanted a core nearly all
         * the time and only other processes kept it waiting.
         */
        public boolean spinning() {
            return cpu >= 0.5 || wantedCpu >= 0.9;
        }

        @Override
        public String toString() {
            return String.format("%.2f s of CPU per second (%.2f s running or waiting for a core)", cpu, wantedCpu);
        }
    }

    /** One second of {@code thread}'s life, printed for the test report. */
    public static Sample oneSecond(Thread thread) throws InterruptedException {
        // Looked up each time: a thread names itself for the kernel only once it runs.
        Path schedstat = LinuxOnly.available() ? schedstatOf(thread) : null;
        long cpuBefore = CpuMeter.threadCpuNanos(thread);
        long wantedBefore = wantedNanos(schedstat);
        long wallBefore = System.nanoTime();
        Thread.sleep(1000);
        double wall = System.nanoTime() - wallBefore;
        var sample = new Sample((CpuMeter.threadCpuNanos(thread) - cpuBefore) / wall,
                schedstat == null ? Double.NaN : (wantedNanos(schedstat) - wantedBefore) / wall);
        System.out.println(thread.getName() + ", one second: " + sample);
        return sample;
    }

    /** The busiest of up to {@code windows} one-second samples of {@code thread}. */
    public static Sample busiestSecond(Thread thread, int windows) throws InterruptedException {
        Sample best = new Sample(0, 0);
        for (int i = 0; i < windows; i++) {
            var sample = oneSecond(thread);
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
     * Linux' per-thread scheduler statistics of {@code thread}. The kernel knows the thread by the
     * first 15 characters of its name; when several share it, the one whose CPU time matches
     * ThreadMXBean's (the same clock) is ours. Null where there is no {@code /proc}.
     */
    private static Path schedstatOf(Thread thread) {
        String name = thread.getName().substring(0, Math.min(15, thread.getName().length()));
        long cpuNow = CpuMeter.threadCpuNanos(thread);
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(task -> name.equals(readOrNull(task.resolve("comm"))))
                    .map(task -> task.resolve("schedstat"))
                    .filter(file -> readOrNull(file) != null)
                    .min(Comparator.comparingLong(file -> Math.abs(cpuNanos(file) - cpuNow)))
                    .orElse(null);
        } catch (IOException notLinux) {
            return null;
        }
    }

    private static long cpuNanos(Path schedstat) {
        String text = readOrNull(schedstat);
        return text == null ? Long.MAX_VALUE / 2 : Long.parseLong(text.split(" ")[0]);
    }

    /** The file's text; null when the thread it describes has just ended. */
    private static String readOrNull(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException gone) {
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
