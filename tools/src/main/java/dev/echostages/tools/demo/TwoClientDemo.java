package dev.echostages.tools.demo;

import dev.echostages.tools.ServerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The two-client demo: shows a class in one command what two telnet windows would show, with a
 * timestamped timeline and a verdict at the end.
 *
 * <p>It starts the stage's server as a child process ({@link ServerProcess}: this JVM's own
 * {@code java} and class path, {@code --port 0}), waits for its {@code Listening on HOST:PORT} line, runs the
 * {@link TwoClientScenario} against it (A connects and stays silent, B connects and sends), puts
 * the server's own log lines into the same timeline, prints the verdict, then stops the server
 * with SIGTERM, as Ctrl-C would, and waits for it.
 *
 * <pre>
 *   ./mvnw -q -pl stage2-multiclient -am package -DskipTests exec:exec@demo
 *   ./mvnw -q -pl stage2-multiclient -am package -DskipTests exec:exec@demo -Dargs="--silence 5"
 *   ./mvnw -q -pl stage2-multiclient -am package -DskipTests exec:exec@demo -Dargs="--connect localhost:8000"
 * </pre>
 */
public final class TwoClientDemo {
    private static final String USAGE = """
            usage: TwoClientDemo STAGE_MAIN_CLASS [--silence SECONDS] [server options...]
                   TwoClientDemo --connect HOST:PORT [--silence SECONDS]

            A connects and stays silent; B connects and sends a line; then A speaks twice and
            leaves. The timeline shows when B gets its echo.

              --silence SECONDS   how long A stays silent after B has sent (default 3)
              --connect HOST:PORT use a server that is already running instead of starting one
              anything else       passed on to the server (e.g. --chunk 4 for stage 1)
            """;
    /** A JVM on a busy machine can take a few seconds to start; more than this is a failure. */
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(20);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private TwoClientDemo() {
    }

    public static void main(String[] args) throws Exception {
        String mainClass = null;
        String connect = null;
        Duration silence = Duration.ofSeconds(3);
        List<String> serverArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(USAGE);
                return;
            } else if ((arg.equals("--silence") || arg.equals("--connect")) && i + 1 == args.length) {
                usageError(arg + " needs a value");
            } else if (arg.equals("--silence")) {
                silence = parseSeconds(args[++i]);
            } else if (arg.equals("--connect")) {
                connect = args[++i];
            } else if (i == 0 && !arg.startsWith("-")) {
                mainClass = arg;
            } else {
                serverArgs.add(arg);
            }
        }
        Consumer<String> out = System.out::println;
        if (connect != null) {
            InetSocketAddress address = null;
            try {
                address = parseHostPort(connect);
            } catch (IllegalArgumentException bad) {
                usageError("--connect " + bad.getMessage());
            }
            out.accept("Two-client demo against the server at " + connect);
            report(TwoClientScenario.run(address, silence, out), out);
        } else if (mainClass != null) {
            runWithOwnServer(mainClass, serverArgs, silence, out);
        } else {
            usageError("name the stage's main class, or --connect HOST:PORT");
        }
    }

    private static void runWithOwnServer(String mainClass, List<String> serverArgs, Duration silence,
            Consumer<String> out) throws InterruptedException {
        List<String> args = new ArrayList<>(List.of("--port", "0"));
        args.addAll(serverArgs);
        out.accept("Two-client demo against " + mainClass + " " + String.join(" ", args));
        // The server's warnings and errors (stderr) belong in the timeline too.
        var forward = new ServerOutput(out);
        ServerProcess server;
        try {
            server = ServerProcess.java(mainClass, args.toArray(String[]::new))
                    .startupTimeout(STARTUP_WAIT).stopWait(STOP_WAIT)
                    .onLine(line -> forward.accept(line.text()))
                    .start();
        } catch (IOException noServer) {
            // Only the reason: the server's own lines, which the message goes on to repeat, are on screen already.
            out.accept("The server did not start: " + noServer.getMessage().lines().findFirst().orElse(""));
            System.exit(1);
            return;
        }
        boolean ranToTheEnd = false;
        try {
            var scenario = new TwoClientScenario(server.address(), silence, TwoClientScenario.defaultBeat(silence), out);
            forward.into(scenario);
            long cpuBefore = server.cpuNanos();
            long wallBefore = System.nanoTime();
            var result = scenario.run();
            // What the server's CPU did meanwhile is the other half of each stage's story: stage 3
            // burns a core while A and B are silent, the others sleep.
            double cpuSeconds = (server.cpuNanos() - cpuBefore) / 1e9;
            double wallSeconds = (System.nanoTime() - wallBefore) / 1e9;
            report(result, out);
            out.accept(String.format(Locale.ROOT, "Server CPU during the scenario: %.1f s in %.1f s (%.0f%% of a core)",
                    cpuSeconds, wallSeconds, 100 * cpuSeconds / wallSeconds));
            ranToTheEnd = true;
        } catch (IOException failed) {
            out.accept("The scenario failed: " + failed);
        } finally {
            stopServer(server, out);
        }
        if (!ranToTheEnd) {
            System.exit(1);
        }
    }

    /** Stops the server as Ctrl-C would (SIGTERM), waits for it, and lets its last lines through. */
    private static void stopServer(ServerProcess server, Consumer<String> out) throws InterruptedException {
        if (server.awaitExit(Duration.ZERO).isEmpty()) {
            out.accept("Stopping the server (SIGTERM)");
        }
        out.accept("Server exited with status " + server.stop());
    }

    private static void report(TwoClientScenario.Result result, Consumer<String> out) {
        out.accept("");
        out.accept("Verdict: " + result.verdict());
    }

    /**
     * Where the server's lines go: printed as they come before the scenario starts, into the
     * scenario's timeline (with A and B named) once it runs.
     */
    private static final class ServerOutput implements Consumer<String> {
        private final Consumer<String> out;
        private volatile TwoClientScenario scenario;

        ServerOutput(Consumer<String> out) {
            this.out = out;
        }

        void into(TwoClientScenario running) {
            scenario = running;
        }

        @Override
        public void accept(String line) {
            TwoClientScenario current = scenario;
            if (current == null) {
                out.accept("server  " + line);
            } else {
                current.serverSaid(line);
            }
        }
    }

    static InetSocketAddress parseHostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
        }
        try {
            return new InetSocketAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1).trim()));
        } catch (IllegalArgumentException bad) { // NumberFormatException included
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'", bad);
        }
    }

    private static Duration parseSeconds(String text) {
        try {
            double seconds = Double.parseDouble(text);
            if (seconds >= 0 && seconds <= 60) {
                return Duration.ofMillis(Math.round(seconds * 1000));
            }
        } catch (NumberFormatException notANumber) {
            // falls through to the usage error below, which names the bad value
        }
        usageError("--silence wants seconds between 0 and 60, got '" + text + "'");
        throw new AssertionError("unreachable");
    }

    private static void usageError(String message) {
        System.err.println("TwoClientDemo: " + message);
        System.err.print(USAGE);
        System.exit(2);
    }
}
