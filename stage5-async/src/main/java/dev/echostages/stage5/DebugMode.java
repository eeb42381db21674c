package dev.echostages.stage5;

import dev.echostages.common.DebugCommand;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stage 4's debug mode ({@code --debug}, {@code sleep N}, {@code spin N}, {@code --slow-callback-ms})
 * on stage 5's threads, where the question changes: not "how long did this handler take?" but
 * "did it hold an OS thread that long?".
 *
 * <p>Each piece of handling (one read's lines and their echo) is timed twice: wall-clock time, and
 * the time the OS thread underneath spent waiting meanwhile (parked or asleep; the JVM counts it
 * per thread). Long handling whose OS thread hardly waited held that thread; long handling whose
 * OS thread waited most of the time did not.
 * <ul>
 *   <li>A virtual thread's OS thread is its carrier. {@code sleep 1} parks the virtual thread;
 *       the carrier is free and waits for work (or serves other clients): logged as an event.
 *       {@code spin 1} never parks; its carrier never waits and nobody else gets it: a warning
 *       naming the client, the twin of asyncio's slow-callback warning.</li>
 *   <li>A completion handler runs on a group thread, a platform thread: {@code sleep} and
 *       {@code spin} both hold it, and both are warned about (waiting, or computing).</li>
 * </ul>
 * Why the carrier, and why waiting time rather than CPU time: {@code ThreadMXBean} answers -1 for
 * a virtual thread's CPU time (JDK 25), the JDK has no public way to ask for a virtual thread's
 * carrier (its {@code toString()} names it: {@code ...@ForkJoinPool-1-worker-1}), and on a busy
 * machine a spinning thread may get a small share of a core, which CPU time would misread as
 * waiting. Under heavy load a carrier may stay busy with other clients while ours sleeps, so the
 * verdict is a good sign, not a proof: the line names the carrier and both times.
 */
final class DebugMode {

    /** How a server handles one completed read of one client: the piece of handling that is timed. */
    @FunctionalInterface
    interface Handler<C> {
        void handle(C client, int count) throws IOException;
    }

    /** Null unless {@code --debug}. */
    static DebugMode from(ServerOptions options, Log log) {
        return options.flag("--debug") ? new DebugMode(log, options.intValue("--slow-callback-ms")) : null;
    }

    /** The handler a server calls for each read, picked once: {@code handler} itself, or under {@code --debug} timed. */
    static <C> Handler<C> timed(DebugMode debug, Handler<C> handler, Function<C, SocketAddress> address) {
        if (debug == null) {
            return handler;
        }
        return (client, count) -> debug.time(address.apply(client), () -> handler.handle(client, count));
    }

    private interface Timed {
        void run() throws IOException;
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Log log;
    private final long slowNanos;
    /** Carrier thread ids by name, looked up once each: there are only a handful. */
    private final Map<String, Long> threadIds = new ConcurrentHashMap<>();

    DebugMode(Log log, int slowCallbackMillis) {
        this.log = log;
        this.slowNanos = slowCallbackMillis * 1_000_000L;
        THREADS.setThreadContentionMonitoringEnabled(true); // makes the JVM count each thread's waiting time
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

    private void time(SocketAddress client, Timed section) throws IOException {
        Thread thread = Thread.currentThread();
        String osThread = osThreadOf(thread);
        long waitedBefore = waitedMillis(osThread);
        long started = System.nanoTime();
        section.run();
        long took = System.nanoTime() - started;
        if (took <= slowNanos) {
            return;
        }
        long tookMillis = took / 1_000_000;
        long waited = waitedMillis(osThread) - waitedBefore;
        boolean held = waited < tookMillis / 2;
        // Short enough for a projector: the 'sleep N'/'spin N' warning before it named the OS thread.
        if (!thread.isVirtual()) {
            log.warn(client, "held thread " + osThread + " " + tookMillis + " ms, " + (held ? "computing" : "blocked")
                    + ": no one else ran on it");
        } else if (held) {
            log.warn(client, "held its carrier " + tookMillis + " ms, never parked: no one else ran on it");
        } else {
            log.event(client, "took " + tookMillis + " ms, parked " + waited + " ms: gave its carrier back");
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

    /** Total time the named OS thread has spent waiting, by the JVM's count; 0 if it is unknown. */
    private long waitedMillis(String name) {
        long id = threadIds.computeIfAbsent(name, DebugMode::threadIdNamed);
        ThreadInfo info = id < 0 ? null : THREADS.getThreadInfo(id);
        return info == null ? 0 : info.getWaitedTime();
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
