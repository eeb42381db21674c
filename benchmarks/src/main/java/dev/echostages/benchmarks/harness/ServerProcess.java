package dev.echostages.benchmarks.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One server under test, running as a child process so that its CPU time is its own: the
 * benchmark client, JMH and the JIT of the client JVM are not in it.
 *
 * <p>CPU comes from {@code /proc/PID/stat} (user + system time), which counts every thread the
 * process ever had, exited ones included, and works for virtual threads, which
 * {@code ThreadMXBean} cannot see. Its unit is the clock tick (10 ms on Linux), so iterations are
 * kept at a second or more.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Listening on (\\S+):(\\d+)");
    private static final long NANOS_PER_TICK = TimeUnit.SECONDS.toNanos(1) / clockTicksPerSecond();

    private final ServerKind kind;
    private final Process process;
    private final int port;

    private ServerProcess(ServerKind kind, Process process, int port) {
        this.kind = kind;
        this.process = process;
        this.port = port;
    }

    /** Starts the server, pinned to {@code cpu} when not null, and waits for its Listening line. */
    public static ServerProcess start(ServerKind kind, String cpu) throws IOException {
        List<String> command = new ArrayList<>();
        if (cpu != null) {
            // taskset execs the java command, so the child keeps the pid we get here.
            command.addAll(List.of("taskset", "-c", cpu));
        }
        command.addAll(kind.command());
        Process process = new ProcessBuilder(command).start();
        forward(process.getErrorStream(), "[" + kind.id() + " stderr] ");
        BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
            try {
                return stdout.readLine();
            } catch (IOException unreadable) {
                throw new IllegalStateException(unreadable);
            }
        });
        String line;
        try {
            line = firstLine.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException | InterruptedException noLine) {
            process.destroyForcibly();
            throw new IOException(kind.id() + " did not print its Listening line within 30 s: " + command, noLine);
        }
        Matcher listening = line == null ? null : LISTENING.matcher(line);
        if (listening == null || !listening.find()) {
            process.destroyForcibly();
            throw new IOException(kind.id() + " printed '" + line + "' instead of 'Listening on HOST:PORT': " + command);
        }
        // The server is --quiet, but anything it still prints must be read or it would block.
        forward(process.getInputStream(), "[" + kind.id() + "] ");
        return new ServerProcess(kind, process, Integer.parseInt(listening.group(2)));
    }

    private static void forward(InputStream stream, String prefix) {
        Thread.ofPlatform().daemon().name("forward " + prefix.trim()).start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    System.err.println(prefix + line);
                }
            } catch (IOException closed) {
                // The child is gone and its pipe with it: nothing left to forward.
                System.err.println(prefix + "output closed: " + closed.getMessage());
            }
        });
    }

    public ServerKind kind() {
        return kind;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** CPU time (user + system) the server process has used so far, in nanoseconds. */
    public long cpuNanos() {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        } catch (IOException gone) {
            throw new IllegalStateException(kind.id() + " (pid " + process.pid() + ") has exited: " + gone, gone);
        }
        // The command name (field 2) may contain spaces; fields after its ')' are plain numbers.
        // Counting from field 3 (state) at index 0: utime is field 14, stime field 15.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3]);
        return ticks * NANOS_PER_TICK;
    }

    /** Asks the server to stop (SIGTERM: its shutdown hook runs) and waits; kills it if it must. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                System.err.println("[" + kind.id() + "] did not stop within 15 s of SIGTERM: killing it");
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException interrupted) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static long clockTicksPerSecond() {
        try {
            return Long.parseLong(Processes.runChecked(List.of("getconf", "CLK_TCK")));
        } catch (RuntimeException noGetconf) {
            System.err.println("getconf CLK_TCK failed (" + noGetconf.getMessage() + "); assuming 100 ticks per second");
            return 100;
        }
    }
}
