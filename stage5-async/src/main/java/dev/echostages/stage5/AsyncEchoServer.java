package dev.echostages.stage5;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.Log;
import dev.echostages.common.ServerMain;
import java.util.List;

/**
 * Stage 5: asynchronous echo servers, errors inside tasks, and graceful shutdown.
 *
 * <p>The book ends its chapter with asyncio: every client is a task on one event loop, which
 * suspends at {@code await sock_recv()} and {@code await sock_sendall()} instead of blocking. Java
 * has two answers to that, and {@code --server} picks one:
 * <ul>
 *   <li>{@code virtual} ({@link VirtualThreadEchoServer}, the default): one virtual thread per
 *       client running plain blocking code. The JDK suspends it inside {@code read()} the way a
 *       coroutine suspends at {@code await}, and parks its socket on an epoll poller: stage 4's
 *       selector, hidden.</li>
 *   <li>{@code channels} ({@link ChannelsEchoServer}): NIO.2 {@code AsynchronousSocketChannel}
 *       with completion handlers. Nobody waits; the JDK calls you back when a read or a write is
 *       done, the closest kin of an event loop calling your callback.</li>
 * </ul>
 *
 * <p>What both show, beyond serving everybody at once: type {@code boom} and that client's
 * handler throws; the failure is logged with the client's address and stack trace, that client is
 * closed and nobody else notices (the book's lesson: an exception in a task nobody looks at is
 * lost). Press Ctrl-C (or send SIGTERM) and the server stops accepting at once, gives the clients
 * still connected one grace period together ({@code --grace-ms}, 2 s by default) to be served,
 * closes the rest, and exits with status 0.
 *
 * <p>What goes wrong is no longer the I/O model but what it hides: see the README, "What goes
 * wrong".
 *
 * <p>Run: {@code ./mvnw -q -pl stage5-async -am package -DskipTests exec:exec}, optionally with
 * {@code -Dargs="--server channels"} or {@code -Dargs="--carriers 1"}, then {@code telnet
 * localhost 8000} in two other terminals.
 */
public final class AsyncEchoServer {
    private AsyncEchoServer() {
    }

    static CommandLine commandLine() {
        return new CommandLine("stage5-async",
                "Echo server, stage 5: virtual threads or NIO.2 completion handlers, errors in tasks, graceful shutdown.")
                .choice("--server", List.of("virtual", "channels"),
                        "virtual: one virtual thread per client; channels: AsynchronousSocketChannel callbacks")
                .intOption("--grace-ms", 2000, 0, 600_000,
                        "on SIGTERM/Ctrl-C, how long in-flight echoes may take before the rest is closed")
                .intOption("--max-clients", 10_000, 1, 1_000_000,
                        "more simultaneous clients than this are refused with a one-line error")
                .intOption("--carriers", 0, 0, 1024,
                        "virtual server only: carrier (OS) threads for virtual threads; 0 = one per core");
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
     * Sets how many OS threads ("carriers") run all virtual threads. This must happen before the
     * first virtual thread of the process is created: the JDK builds the virtual-thread scheduler
     * (a ForkJoinPool) once, when the first one starts, reading these two system properties then
     * and never again. So it is done here, before the server exists, and not in the server.
     * (On the java command line: {@code -Djdk.virtualThreadScheduler.parallelism=1}.)
     */
    static void useCarrierThreads(int carriers, Log log) {
        if (carriers == 0) {
            return; // the JDK's default: one carrier per core
        }
        String wanted = Integer.toString(carriers);
        String already = System.getProperty("jdk.virtualThreadScheduler.parallelism");
        if (already != null && !already.equals(wanted)) {
            log.warn("--carriers " + carriers + " ignored: the scheduler was already set to " + already + " carriers");
            return;
        }
        System.setProperty("jdk.virtualThreadScheduler.parallelism", wanted);
        // The pool may otherwise add carriers to make up for one stuck in a call that pins it;
        // capping it keeps the promise "this many OS threads, no more".
        System.setProperty("jdk.virtualThreadScheduler.maxPoolSize", wanted);
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), factory());
    }
}
