package dev.echostages.stage5;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.Log;
import dev.echostages.common.MemoryBudget;
import dev.echostages.common.ServerMain;
import java.util.List;

/**
 * Stage 5: asynchronous echo servers, errors inside tasks, and graceful shutdown.
 *
 * <p>The book ends its chapter with asyncio: every client is a task on one event loop, which
 * suspends at {@code await sock_recv()} instead of blocking. Java has two answers, and
 * {@code --server} picks one:
 * <ul>
 *   <li>{@code virtual} ({@link VirtualThreadEchoServer}, the default): one virtual thread per
 *       client running plain blocking code; the JDK suspends it inside {@code read()} the way a
 *       coroutine suspends at {@code await}.</li>
 *   <li>{@code channels} ({@link ChannelsEchoServer}): NIO.2 completion handlers; the JDK calls
 *       you back when a read or write is done, the closest kin of an event loop's callbacks.</li>
 * </ul>
 *
 * <p>What both show, beyond serving everybody at once: {@code boom} fails that client's handler,
 * logged with its address and stack trace, after the lines before it are echoed; nobody else
 * notices. {@code --debug} shows what holding a thread costs ({@link DebugMode}). Ctrl-C or
 * SIGTERM stops by one rule ({@link ConnectedClients}): idle clients are closed at once, the
 * others get one shared grace period to receive what they are owed, and the process exits 0.
 *
 * <p>Run: {@code ./mvnw -q -pl stage5-async -am package -DskipTests exec:exec}, optionally with
 * {@code -Dargs="--server channels"} or {@code -Dargs="--carriers 1 --debug"}, then {@code telnet
 * localhost 8000} in two other terminals.
 */
public final class AsyncEchoServer {
    private AsyncEchoServer() {
    }

    static CommandLine commandLine() {
        return MemoryBudget.option(new CommandLine("stage5-async",
                "Echo server, stage 5: virtual threads or NIO.2 completion handlers, errors in tasks, graceful shutdown.")
                .choice("--server", List.of("virtual", "channels"),
                        "virtual: one virtual thread per client; channels: AsynchronousSocketChannel callbacks")
                .intOption("--grace-ms", 2000, 0, 600_000,
                        "on SIGTERM/Ctrl-C, how long clients mid-line or mid-write get; idle ones are closed at once")
                .intOption("--max-clients", 10_000, 1, 1_000_000,
                        "more simultaneous clients than this are refused with a one-line error")
                .intOption("--carriers", 0, 0, 1024,
                        "virtual server only: carrier (OS) threads running virtual threads; 0 = one per core")
                .flag("--debug",
                        "warn when a client's handling holds its OS thread too long; honour 'sleep N' and 'spin N' lines")
                .intOption("--slow-callback-ms", 100, 1, 60_000,
                        "with --debug, report handling that takes longer than this"));
    }

    /** Picks the server named by {@code --server}. */
    static EchoServer.Factory factory() {
        return (options, log) -> switch (options.choice("--server")) {
            case "channels" -> {
                if (options.intValue("--carriers") != 0) {
                    log.warn("--carriers is for --server virtual only; the channels server ignores it");
                }
                yield new ChannelsEchoServer(options, log);
            }
            default -> {
                useCarrierThreads(options.intValue("--carriers"), log);
                yield new VirtualThreadEchoServer(options, log);
            }
        };
    }

    /**
     * Sets how many OS threads ("carriers") run virtual threads. This must happen before the first
     * virtual thread of the process exists: the JDK builds the scheduler (a ForkJoinPool) once,
     * reading these system properties then and never again. (On the command line:
     * {@code -Djdk.virtualThreadScheduler.parallelism=1 -Djdk.virtualThreadScheduler.maxPoolSize=1}.)
     *
     * <p>Why the pool's maximum is capped too, although that gives up the JDK's compensation: a
     * virtual thread in blocking file I/O (writing our log to a terminal or a pipe is exactly
     * that) or in {@code Object.wait()} makes the scheduler add a carrier for a while: with the
     * parallelism alone set to 1, {@code --debug}'s {@code spin 1} would not freeze the other
     * client, because the warning's own log line brings in a second carrier. The cap keeps the
     * lesson's promise, N carriers and no more; the price is that a carrier blocked
     * that way is not replaced. Nothing here blocks inside {@code synchronized} (on JDK 21-23 that
     * pins the carrier, and the scheduler does not compensate for it anyway): the virtual server
     * uses a {@code ReentrantLock}. Without {@code --carriers} the JDK's defaults apply.
     */
    static void useCarrierThreads(int carriers, Log log) {
        if (carriers == 0) {
            return; // the JDK's default: one carrier per core, grown when one is blocked
        }
        String wanted = Integer.toString(carriers);
        String already = System.getProperty("jdk.virtualThreadScheduler.parallelism");
        if (already != null && !already.equals(wanted)) {
            log.warn("--carriers " + carriers + " ignored: the scheduler was already set to " + already + " carriers");
            return;
        }
        System.setProperty("jdk.virtualThreadScheduler.parallelism", wanted);
        System.setProperty("jdk.virtualThreadScheduler.maxPoolSize", wanted);
    }

    /** "1 OS thread (--carriers)", for the start-up line. */
    static String carriersInWords() {
        String carriers = System.getProperty("jdk.virtualThreadScheduler.parallelism");
        return carriers != null ? carriers + " OS thread(s) (--carriers)"
                : Runtime.getRuntime().availableProcessors() + " OS thread(s), one per core";
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), factory());
    }
}
