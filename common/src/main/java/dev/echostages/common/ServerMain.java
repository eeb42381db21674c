package dev.echostages.common;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a stage's server as a process: options, the {@code Listening on HOST:PORT} line, the
 * warning for a non-loopback address, and stopping on SIGTERM or Ctrl-C.
 *
 * <p>Stopping goes through a JVM shutdown hook, the portable way for Java code to react to
 * SIGTERM, SIGINT (Ctrl-C) and SIGHUP: the JVM runs the hook on its own thread, the hook calls
 * {@link EchoServer#stop()}, and {@code serve()} returns on the main thread. The hook then waits
 * for that return (bounded), because the JVM halts as soon as every hook has finished.
 */
public final class ServerMain {
    /** How long the hook waits for {@code serve()} to return; stage 5's grace period fits well inside. */
    private static final long STOP_WAIT_SECONDS = 30;

    /**
     * The exit status of a server that died of an unexpected error: 70, sysexits.h's EX_SOFTWARE
     * ("internal software error"), so it is told apart from 1 (could not start) and 2 (bad option).
     */
    public static final int CRASHED = 70;

    /** The option of stages 4 and 5 that also makes the log print whole stack traces. */
    private static final String DEBUG = "--debug";

    private ServerMain() {
    }

    /** What to do about a failed bind, for the messages the JDK gives on Linux, macOS and Windows. */
    private static String hint(IOException cannotListen) {
        String message = String.valueOf(cannotListen.getMessage());
        if (message.contains("in use")) {
            return "\n  another server (an earlier run, another stage?) has this port: stop it with Ctrl-C,"
                    + "\n  or choose another port: --port 9000, or --port 0 for any free one"
                    + "\n  (through Maven: -Dargs=\"--port 0\")";
        }
        if (message.contains("assign requested address")) {
            return "\n  that address does not belong to this machine: try --host 127.0.0.1, or --host 0.0.0.0 for every network";
        }
        if (message.contains("Permission denied") || message.contains("access permissions")) {
            return "\n  ports below 1024 need administrator rights: use --port 8000 or above";
        }
        return "";
    }

    /**
     * The bound address as the Listening line shows it. A channel bound to {@code 0.0.0.0} reports
     * the IPv6 wildcard {@code ::} on a dual-stack system, while a {@code ServerSocket} reports
     * {@code 0.0.0.0}; the wildcard is shown in the family that was asked for, so that every stage
     * says the same for {@code --host 0.0.0.0}.
     */
    private static InetSocketAddress printable(InetSocketAddress bound, ServerOptions options) {
        if (!bound.getAddress().isAnyLocalAddress()) {
            return bound;
        }
        try {
            InetAddress requested = options.bindAddress().getAddress();
            return requested.isAnyLocalAddress() ? new InetSocketAddress(requested, bound.getPort()) : bound;
        } catch (UnknownHostException resolvedBeforeButNotNow) {
            return bound; // the server is bound already: its own report is still true
        }
    }

    /**
     * Short stack traces by default (they fit a projected terminal), every frame under the stage's
     * {@code --debug}. A stage without that option has no way to ask for more, and the short trace
     * does not offer one.
     */
    private static Log.Traces traces(ServerOptions options) {
        if (!options.has(DEBUG)) {
            return Log.Traces.SHORT;
        }
        return options.flag(DEBUG) ? Log.Traces.FULL : Log.Traces.SHORT_UNTIL_DEBUG;
    }

    /**
     * What a class can type on another machine to reach a server bound to a wildcard address: the
     * addresses of this machine's interfaces that are up, loopback and link-local ones left out
     * (a link-local IPv6 address needs its interface's name, which differs on the other machine).
     */
    static List<String> reachableAt(InetAddress wildcard, int port) {
        List<String> reachable = new ArrayList<>();
        try {
            for (NetworkInterface network : NetworkInterface.networkInterfaces().toList()) {
                if (!network.isUp() || network.isLoopback()) {
                    continue;
                }
                for (InetAddress address : network.inetAddresses().toList()) {
                    boolean sameFamily = wildcard instanceof Inet6Address || address instanceof Inet4Address;
                    if (sameFamily && !address.isLinkLocalAddress() && !address.isLoopbackAddress()) {
                        reachable.add(Addresses.of(new InetSocketAddress(address, port)) + " (" + network.getName() + ")");
                    }
                }
            }
        } catch (SocketException cannotList) {
            reachable.add("(the interfaces cannot be listed: " + cannotList.getMessage() + ")");
        }
        return reachable;
    }

    public static void run(String[] args, CommandLine commandLine, EchoServer.Factory factory) {
        ServerOptions options = commandLine.parseOrExit(args);
        Log log = Log.console(options.quiet(), traces(options));
        EchoServer server;
        try {
            server = factory.open(options, log);
        } catch (UnknownHostException badHost) {
            System.err.println("unknown host " + CommandLine.quote(options.host()) + ": --host takes a name or address of this machine,"
                    + " such as 127.0.0.1 (this machine only) or 0.0.0.0 (every network)");
            commandLine.printUsage(System.err);
            System.exit(2);
            return;
        } catch (IOException cannotListen) {
            // A student's first failure is usually this one: a server from an earlier try still
            // runs in another terminal. Say what to do in their words, without a stack trace.
            System.err.println("cannot listen on " + options.host() + ":" + options.port() + ": "
                    + cannotListen.getMessage() + hint(cannotListen));
            System.exit(1);
            return;
        }

        InetSocketAddress bound = printable(server.localAddress(), options);
        CountDownLatch served = new CountDownLatch(1);
        // Set when serve() ended by a failure. The JVM runs this hook on every way out, a crash's
        // System.exit(CRASHED) included, and a hook that then said "status 0" would hide the crash from
        // whatever supervises the process.
        AtomicBoolean crashed = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            if (crashed.get()) {
                return;
            }
            log.event("signal received: stopping");
            server.stop();
            try {
                if (!served.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    log.warn("server did not stop within " + STOP_WAIT_SECONDS + " s; exiting anyway");
                    return;
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
            if (crashed.get()) {
                return; // serve() failed while we were stopping: leave with the signal's failure status
            }
            // A JVM ended by a signal exits with 128 + the signal number (143 for SIGTERM), which
            // scripts and Maven report as a failure. The server did stop cleanly, so say so with
            // status 0. halt() is the only way to choose the status from inside a shutdown hook
            // (System.exit() here would wait for this very hook and hang); there is nothing left
            // to run, as this is the only hook and serve() has returned.
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(0);
        }, "shutdown-hook");
        // Registered before the Listening line: whoever reads that line may send SIGTERM at once,
        // and a signal before the hook exists would end the JVM with status 143, unlogged.
        Runtime.getRuntime().addShutdownHook(hook);

        // The first line on stdout, always: tests, the demo and the benchmarks wait for it, and
        // scripts parse it. The PID follows on a line of its own, for strace -p, kill and ps
        // (pgrep finds every server of the same stage, not this one).
        System.out.println("Listening on " + Addresses.of(bound));
        System.out.println("PID " + ProcessHandle.current().pid());
        System.out.flush();
        if (!bound.getAddress().isLoopbackAddress()) {
            String warning = "bound to " + Addresses.host(bound.getAddress())
                    + ": anyone who can reach this machine on the network can connect";
            if (bound.getAddress().isAnyLocalAddress()) {
                List<String> reachable = reachableAt(bound.getAddress(), bound.getPort());
                warning += reachable.isEmpty() ? " (no network is up: only this machine can)"
                        : ", at" + System.lineSeparator() + "  " + String.join(System.lineSeparator() + "  ", reachable);
            }
            log.warn(warning);
        }

        try {
            server.serve();
            log.event("stopped");
            System.out.flush();
        } catch (Throwable failure) {
            // Anything that ends serve() unasked is a crash, an Error (OutOfMemoryError, say) as
            // much as an exception: log it with its stack trace and leave with a status of its own,
            // so that a supervisor restarting on failure restarts us (and Maven's run command,
            // which accepts the start-up statuses 1 and 2, reports it). Only a requested stop exits 0.
            crashed.set(true);
            log.crash(bound, "server failed, exiting with status " + CRASHED, failure);
            served.countDown();
            System.out.flush();
            System.err.flush();
            // If a signal is already taking the JVM down, exit() waits forever for the hooks to
            // end; the hook sees the crash and returns, and the JVM then exits non-zero anyway.
            System.exit(CRASHED);
        } finally {
            served.countDown();
        }
    }
}
