package dev.echostages.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server started as a child process and watched the way a person at a terminal watches one:
 * start it, wait for {@code Listening on HOST:PORT}, read what it prints, stop it with SIGTERM as
 * Ctrl-C or {@code kill} would.
 *
 * <p>The two-client demo, the tests that need a real process (a signal, a {@code ulimit}, a fresh
 * JVM) and the benchmarks (a server's CPU time must be its own) all start servers this way:
 *
 * <pre>
 *   try (ServerProcess server = ServerProcess.java(SelectorEchoServer.class.getName(), "--port", "0")
 *           .onLine(line -> System.out.println("server " + line))
 *           .start()) {
 *       connect to server.address() ...
 *       server.awaitLine("disconnected", Duration.ofSeconds(5));
 *       int status = server.stop();
 *   }
 * </pre>
 */
public final class ServerProcess implements AutoCloseable {

    public enum Source { STDOUT, STDERR }

    /** One line the process printed, and on which stream: events go to stdout, warnings to stderr. */
    public record Line(Source source, String text) {
        @Override
        public String toString() {
            return source == Source.STDERR ? "[stderr] " + text : text;
        }
    }

    private static final Pattern LISTENING = Pattern.compile("^Listening on (\\S+):(\\d+)");

    /**
     * {@code -Dechostages.portable=true} (or the environment variable
     * {@code ECHOSTAGES_FORCE_PORTABLE=1}) makes this JVM behave as on a system without
     * {@code /proc} and {@code taskset} (macOS, Windows), so the fallbacks can be run and tested
     * on Linux. It exists for that only; nothing is better with it on.
     */
    public static final String PORTABLE_PROPERTY = "echostages.portable";
    public static final String PORTABLE_ENVIRONMENT = "ECHOSTAGES_FORCE_PORTABLE";

    /** True when {@link #PORTABLE_PROPERTY} or {@link #PORTABLE_ENVIRONMENT} asks for the non-Linux paths. */
    public static boolean portableForced() {
        return Boolean.getBoolean(PORTABLE_PROPERTY) || "1".equals(System.getenv(PORTABLE_ENVIRONMENT))
                || "true".equalsIgnoreCase(System.getenv(PORTABLE_ENVIRONMENT));
    }

    /** True when per-process files under {@code /proc} can be read (Linux) and the portable paths are not forced. */
    public static boolean procAvailable() {
        return !portableForced() && Files.isReadable(Path.of("/proc/self/stat"));
    }

    private final String name;
    private final Consumer<Line> listener;
    private final Duration stopWait;
    private final Process process;
    /** Every line read so far, both streams in the order read; guarded by {@code this}. */
    private final List<Line> lines = new ArrayList<>();
    /** Streams not yet at their end; guarded by {@code this}. At zero no line can come any more. */
    private int openStreams = 2;
    private final List<Thread> pumps;
    private final Thread stopWithThisJvm;
    private final InetSocketAddress address;

    /** Runs {@code mainClass} with this JVM's own java and class path, as {@code java -cp ... MAIN args} would. */
    public static Builder java(String mainClass, String... args) {
        return command(javaCommand(mainClass, List.of(args)));
    }

    /** Runs any command that starts a server, for example {@code java -jar stage.jar --port 0}. */
    public static Builder command(List<String> command) {
        return new Builder(command);
    }

    public static List<String> javaCommand(String mainClass, List<String> args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        return command;
    }

    /** The java binary running this JVM: the child runs on the same Java version as its parent. */
    public static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private ServerProcess(Builder settings) throws IOException {
        this.name = settings.name;
        this.listener = settings.listener;
        this.stopWait = settings.stopWait;
        List<String> command = new ArrayList<>(settings.prefix);
        command.addAll(settings.command);
        this.process = new ProcessBuilder(command).start();
        // Both pipes are read all the time, whatever the caller does: a child whose pipe is full
        // blocks in its next println. Daemon threads, so that they never keep this JVM alive.
        this.pumps = List.of(pump(process.getInputStream(), Source.STDOUT), pump(process.getErrorStream(), Source.STDERR));
        // If this JVM is stopped first (Ctrl-C on the demo, a killed test run), the server must not outlive it.
        this.stopWithThisJvm = new Thread(process.toHandle()::destroy, name + " stop-with-parent");
        Runtime.getRuntime().addShutdownHook(stopWithThisJvm);
        try {
            if (settings.echoPort > 0) {
                this.address = awaitEcho(new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.echoPort),
                        settings.startupTimeout);
                return;
            }
            List<String> listening = collect(line -> line.source() == Source.STDOUT && LISTENING.matcher(line.text()).find(),
                    1, settings.startupTimeout);
            if (listening.isEmpty()) {
                String why = outputEnded() ? "before its output ended" : "within " + inWords(settings.startupTimeout);
                int status = stop();
                throw new IOException(name + " printed no 'Listening on HOST:PORT' " + why + " (exit status " + status + ")\n"
                        + transcript());
            }
            Matcher hostPort = LISTENING.matcher(listening.getFirst());
            hostPort.find();
            InetAddress host = InetAddress.getByName(hostPort.group(1)); // an address literal: no DNS lookup
            // A server bound to every interface (0.0.0.0) is reached through loopback: we never leave this machine.
            this.address = new InetSocketAddress(host.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : host,
                    Integer.parseInt(hostPort.group(2)));
        } catch (InterruptedException interrupted) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + name + " to listen");
        } catch (IOException | RuntimeException failed) {
            close(); // no caller will ever hold this object to stop it
            throw failed;
        }
    }

    /**
     * For a server that need not print anything (any echo server, in any language): it is ready
     * once a connection to {@code address} echoes a probe line byte for byte. Refused connections
     * are retried until the timeout, since the server may still be starting; a wrong echo fails
     * at once, because waiting longer would not make it right.
     */
    private InetSocketAddress awaitEcho(InetSocketAddress address, Duration timeout) throws IOException, InterruptedException {
        byte[] probe = "echo-stages readiness probe\n".getBytes(StandardCharsets.US_ASCII);
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException lastFailure = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                int status = stop();
                throw new IOException(name + " exited (status " + status + ") before it echoed a line on " + hostPort(address)
                        + "\n" + transcript());
            }
            String wrong;
            try (Socket socket = new Socket()) {
                socket.connect(address, 1_000);
                socket.setSoTimeout(5_000);
                OutputStream out = socket.getOutputStream();
                out.write(probe);
                out.flush();
                byte[] reply = socket.getInputStream().readNBytes(probe.length);
                if (Arrays.equals(reply, probe)) {
                    return address;
                }
                wrong = "echoed " + quoted(reply) + " instead of " + quoted(probe);
            } catch (ConnectException notListeningYet) {
                lastFailure = notListeningYet; // the usual case while it starts: try again shortly
                wrong = null;
            } catch (SocketTimeoutException silent) {
                wrong = "echoed nothing within 5 s";
            } catch (IOException broken) {
                wrong = "failed the probe: " + broken;
            }
            if (wrong != null) {
                stop();
                throw new IOException(name + " accepted a connection on " + hostPort(address) + " but " + wrong
                        + "\n" + transcript());
            }
            Thread.sleep(100);
        }
        stop();
        throw new IOException(name + " did not accept a connection and echo a line on " + hostPort(address) + " within "
                + inWords(timeout) + (lastFailure == null ? "" : " (last attempt: " + lastFailure.getMessage() + ")")
                + "\n" + transcript());
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    private static String quoted(byte[] bytes) {
        return "'" + new String(bytes, StandardCharsets.ISO_8859_1).replace("\n", "\\n").replace("\r", "\\r") + "'";
    }

    private Thread pump(InputStream stream, Source source) {
        return Thread.ofPlatform().daemon().name(name + " " + source.name().toLowerCase()).start(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String text;
                while ((text = reader.readLine()) != null) {
                    record(new Line(source, text));
                }
            } catch (IOException broken) {
                // Our end of the pipe failed, not the server: the transcript says so.
                record(new Line(source, "(reading " + source + " failed: " + broken + ")"));
            } finally {
                synchronized (this) {
                    openStreams--;
                    notifyAll();
                }
            }
        });
    }

    /** The listener is called under the same lock, so it sees one line at a time, in recorded order. */
    private synchronized void record(Line line) {
        lines.add(line);
        notifyAll();
        listener.accept(line);
    }

    private synchronized boolean outputEnded() {
        return openStreams == 0;
    }

    /** Waits until {@code count} lines match, the output ends, or the timeout passes; returns the matching lines. */
    private synchronized List<String> collect(Predicate<Line> wanted, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> matching = lines.stream().filter(wanted).map(Line::text).toList();
            long left = deadline - System.nanoTime();
            if (matching.size() >= count || openStreams == 0 || left <= 0) {
                return matching;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Waits for a line (stdout or stderr) containing {@code fragment}; fails with the transcript. */
    public String awaitLine(String fragment, Duration timeout) throws IOException, InterruptedException {
        return awaitLines(fragment, 1, timeout).getFirst();
    }

    /** Waits until {@code count} lines contain {@code fragment}, and returns them. */
    public List<String> awaitLines(String fragment, int count, Duration timeout) throws IOException, InterruptedException {
        List<String> matching = collect(line -> line.text().contains(fragment), count, timeout);
        if (matching.size() < count) {
            String found = count == 1 ? "no line" : matching.size() + " of " + count + " lines";
            String why = outputEnded() ? "before its output ended" : "within " + inWords(timeout);
            throw new IOException(name + " printed " + found + " containing '" + fragment + "' " + why + "\n" + transcript());
        }
        return matching;
    }

    /** Where to connect: the address from its Listening line (loopback for a wildcard address). */
    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    public long pid() {
        return process.pid();
    }

    public synchronized List<String> stdout() {
        return lines.stream().filter(line -> line.source() == Source.STDOUT).map(Line::text).toList();
    }

    public synchronized List<String> stderr() {
        return lines.stream().filter(line -> line.source() == Source.STDERR).map(Line::text).toList();
    }

    /** Everything the process printed so far, in the order read, stderr lines marked: for failure messages. */
    public synchronized String transcript() {
        return lines.isEmpty() ? "(" + name + " printed nothing)"
                : String.join("\n", lines.stream().map(Line::toString).toList());
    }

    /**
     * CPU time (user + system) the process has used so far, in nanoseconds. It counts every
     * thread the process ever had, exited ones included, and virtual threads' work too, which
     * {@code ThreadMXBean} cannot see. A prefix such as {@code taskset} or
     * {@code bash -c 'exec ...'} execs the server, so this pid is the server's.
     *
     * <p>On Linux it reads {@code /proc/PID/stat} itself. {@link ProcessHandle.Info} reads the
     * same two counters from the same file, so the numbers and their resolution (the clock tick,
     * 10 ms: measure over a second or more) are identical; reading the file directly is one
     * read instead of Info's several ({@code cmdline}, {@code exe}, the owner), and a server that
     * has exited fails loudly instead of returning an empty value. Elsewhere it asks
     * {@code ProcessHandle.of(pid).info().totalCpuDuration()}: on macOS from the kernel's task
     * info in nanoseconds, on Windows from {@code GetProcessTimes}, updated every scheduler tick
     * (about 16 ms). Both are fine for iterations of a second or more.
     */
    public long cpuNanos() {
        return cpuNanosOf(process.toHandle());
    }

    /**
     * {@link #cpuNanos()} of the process and of every descendant still running. {@code java -jar}
     * is one process, but a server started through a shell, or one that forks workers
     * ({@code python3 server.py} may), can do its work in a child; a descendant that has exited
     * takes its time with it.
     */
    public long treeCpuNanos() {
        long total = cpuNanosOf(process.toHandle());
        for (ProcessHandle descendant : process.descendants().toList()) {
            try {
                total += cpuNanosOf(descendant);
            } catch (IllegalStateException exitedMeanwhile) {
                // Listed a moment ago, gone now: its time went with it, as for any exited child.
            }
        }
        return total;
    }

    private long cpuNanosOf(ProcessHandle handle) {
        if (!procAvailable()) {
            return handle.info().totalCpuDuration().map(Duration::toNanos)
                    .orElseThrow(() -> new IllegalStateException(name + " (pid " + handle.pid()
                            + ") reports no CPU time: it has exited, or this system does not tell"));
        }
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
        } catch (IOException gone) {
            throw new IllegalStateException(name + " (pid " + handle.pid() + ") has exited: " + gone, gone);
        }
        // The command name (field 2) may contain spaces; the fields after its ')' are plain numbers.
        // Counting from field 3 (state) at index 0: utime is field 14, stime field 15.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3]);
        return ticks * ClockTick.NANOS;
    }

    /** Sends SIGTERM and returns at once: the server's shutdown hook runs, as on Ctrl-C. */
    public void requestStop() {
        // Through the ProcessHandle: Process.destroy() sends the same SIGTERM but also closes our
        // end of the server's output, and its last lines (how it stopped) would be lost.
        process.toHandle().destroy();
    }

    /** Waits for the process to exit; its exit status, or empty if it is still running. */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
    }

    /**
     * Stops the server gracefully: SIGTERM, then up to the stop wait for it to finish, then
     * SIGKILL. Returns its exit status once its last lines have been read. Calling it again just
     * returns the status.
     */
    public int stop() throws InterruptedException {
        requestStop();
        if (!process.waitFor(stopWait.toMillis(), TimeUnit.MILLISECONDS)) {
            System.err.println(name + " ignored SIGTERM for " + inWords(stopWait) + ": killing it");
            if (!process.destroyForcibly().waitFor(stopWait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL");
            }
        }
        for (Thread pump : pumps) {
            pump.join(stopWait.toMillis());
        }
        try {
            Runtime.getRuntime().removeShutdownHook(stopWithThisJvm);
        } catch (IllegalStateException jvmShuttingDown) {
            // The hook is running or has run already (SIGTERM to a dead process is harmless): nothing to undo.
        }
        return process.exitValue();
    }

    /** A test that fails, or a benchmark that throws, must not leave a server behind. */
    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException interrupted) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String inWords(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    /** How to start a server, set step by step; {@link #start()} returns once it is listening. */
    public static final class Builder {
        private final List<String> command;
        private List<String> prefix = List.of();
        private String name = "server";
        private Consumer<Line> listener = line -> { };
        private Duration startupTimeout = Duration.ofSeconds(20); // a JVM on a busy 2-core machine can take seconds
        private Duration stopWait = Duration.ofSeconds(10);
        private int echoPort;

        private Builder(List<String> command) {
            this.command = List.copyOf(command);
        }

        /**
         * Words before the command, such as {@code taskset -c 1} (pin it to a CPU) or
         * {@code bash -c 'ulimit -n 40 && exec "$@"' bash} (fewer file descriptors). The prefix
         * must exec the command, so the server keeps the pid we are given.
         */
        public Builder prefix(String... words) {
            this.prefix = List.of(words);
            return this;
        }

        /**
         * For a server that prints no {@code Listening on} line: it listens on {@code port} of
         * 127.0.0.1 and is ready once a connection there echoes a line (see {@code awaitEcho}).
         */
        public Builder readyWhenItEchoesOn(int port) {
            this.echoPort = port;
            return this;
        }

        /** Names the server in error messages and thread names. */
        public Builder name(String serverName) {
            this.name = serverName;
            return this;
        }

        /** Called with every line, as it is read (the Listening line included), one at a time. */
        public Builder onLine(Consumer<Line> lineListener) {
            this.listener = lineListener;
            return this;
        }

        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /** How long {@link ServerProcess#stop()} gives the server after SIGTERM before it kills it. */
        public Builder stopWait(Duration wait) {
            this.stopWait = wait;
            return this;
        }

        /** Starts the process and waits for its Listening line; if none comes, stops it and throws with its transcript. */
        public ServerProcess start() throws IOException {
            return new ServerProcess(this);
        }
    }

    /** The length of a /proc clock tick, asked of the system once, on first use (most users never ask for CPU). */
    private static final class ClockTick {
        static final long NANOS = TimeUnit.SECONDS.toNanos(1) / ticksPerSecond();

        private static long ticksPerSecond() {
            try {
                Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
                String output = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (getconf.waitFor(10, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
                    return Long.parseLong(output);
                }
                System.err.println("getconf CLK_TCK failed (" + output + "); assuming 100 ticks per second");
            } catch (IOException | NumberFormatException noGetconf) {
                System.err.println("getconf CLK_TCK failed (" + noGetconf + "); assuming 100 ticks per second");
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                System.err.println("interrupted while asking getconf CLK_TCK; assuming 100 ticks per second");
            }
            return 100;
        }
    }
}
