package dev.echostages.stage5;

import dev.echostages.common.DebugCommand;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stage 4's debug mode ({@code --debug}, {@code sleep N}, {@code spin N}, {@code --slow-callback-ms})
 * on stage 5's threads, where the question changes: not "how long did this handler take?" but
 * "did it hold an OS thread that long?".
 *
 * <p>Each piece of handling (one read's lines and their echo) is timed twice: wall-clock time, and
 * the CPU time of the OS thread underneath, read before and after. A section that took long while
 * its OS thread stayed on the CPU held that thread; one whose OS thread was mostly idle waited.
 * <ul>
 *   <li>A virtual thread's OS thread is its carrier. {@code sleep 1} parks the virtual thread,
 *       the carrier is free (its CPU barely moves) and serves other clients: logged as an event.
 *       {@code spin 1} never parks; the carrier is on the CPU the whole second and nobody else
 *       gets it: a warning naming the client, the twin of asyncio's slow-callback warning.</li>
 *   <li>A completion handler runs on a group thread, a platform thread: {@code sleep} and
 *       {@code spin} both hold it, and both are warned about (blocked, or computing).</li>
 * </ul>
 * Why the carrier and not the virtual thread: {@code ThreadMXBean} answers -1 for a virtual
 * thread's CPU time (checked on JDK 25), and the JDK has no public way to ask for a virtual
 * thread's carrier; its {@code toString()} names it ({@code ...@ForkJoinPool-1-worker-1}), which is
 * what we use. Under heavy load a carrier may stay busy with other clients while ours sleeps, so
 * the classification is a good sign rather than a proof; the carrier's name is in the line.
 */
final class DebugMode {

    /** One piece of a client's handling, timed as a whole. */
    @FunctionalInterface
    interface Section {
        void run() throws IOException;
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Log log;
    private final long slowNanos;
    /** Carrier thread ids by name, looked up once each: there are only a handful. */
    private final Map<String, Long> carrierIds = new ConcurrentHashMap<>();

    DebugMode(Log log, int slowCallbackMillis) {
        this.log = log;
        this.slowNanos = slowCallbackMillis * 1_000_000L;
    }

    /** Runs a {@code sleep N} or {@code spin N} line on the client's own thread, before it is echoed. */
    EchoSession.LineHook commands(EchoSession.LineHook next) {
        return (client, line) -> {
            DebugCommand command = DebugCommand.parse(line, client, log);
            if (command != null) {
                log.warn(client, "'" + command.text() + "': on purpose (--debug), on " + osThreadOf(Thread.currentThread()));
                command.run();
            }
            next.beforeEcho(client, line);
        };
    }

    void timed(SocketAddress client, Section section) throws IOException {
        Thread thread = Thread.currentThread();
        String carrierBefore = osThreadOf(thread);
        long cpuBefore = cpuNanos(thread, carrierBefore);
        long started = System.nanoTime();
        section.run();
        long took = System.nanoTime() - started;
        if (took <= slowNanos) {
            return;
        }
        String carrierAfter = osThreadOf(thread);
        long cpu = carrierAfter.equals(carrierBefore) ? cpuNanos(thread, carrierAfter) - cpuBefore : 0;
        long tookMillis = took / 1_000_000;
        long cpuMillis = cpu / 1_000_000;
        boolean computing = cpu > took / 2;
        if (!thread.isVirtual()) {
            log.warn(client, "handler held group thread " + thread.getName() + " for " + tookMillis + " ms ("
                    + (computing ? "computing: " : "blocked: ") + "on the CPU " + cpuMillis + " ms): "
                    + "no other client was served on that thread meanwhile");
        } else if (computing) {
            log.warn(client, "held its carrier " + carrierBefore + " for " + tookMillis + " ms (on the CPU " + cpuMillis
                    + " ms): it never parked, so no other virtual thread could run on that carrier meanwhile");
        } else {
            log.event(client, "took " + tookMillis + " ms, but its carrier " + carrierBefore + " was on the CPU only "
                    + cpuMillis + " ms of it" + (carrierAfter.equals(carrierBefore) ? "" : " (it came back on " + carrierAfter + ")")
                    + ": the virtual thread parked and gave its carrier back");
        }
    }

    /** The OS thread doing the work: the thread itself, or a virtual thread's carrier. */
    private static String osThreadOf(Thread thread) {
        if (!thread.isVirtual()) {
            return thread.getName();
        }
        String text = thread.toString(); // VirtualThread[#31,client-2]/runnable@ForkJoinPool-1-worker-1
        return text.substring(text.lastIndexOf('@') + 1);
    }

    private long cpuNanos(Thread thread, String carrierName) {
        if (!thread.isVirtual()) {
            return THREADS.getCurrentThreadCpuTime();
        }
        Long id = carrierIds.computeIfAbsent(carrierName, DebugMode::threadIdNamed);
        return id < 0 ? 0 : THREADS.getThreadCpuTime(id);
    }

    private static long threadIdNamed(String name) {
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info != null && info.getThreadName().equals(name)) {
                return info.getThreadId();
            }
        }
        return -1;
    }
}
