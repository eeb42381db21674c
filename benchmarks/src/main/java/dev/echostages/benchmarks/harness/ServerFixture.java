package dev.echostages.benchmarks.harness;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.echostages.tools.ServerProcess;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What every benchmark does around its measured loop: start the server under test in its
 * placement, pin the client thread, open the idle connections, and read the server's CPU at the
 * start and end of each iteration for {@link ServerCpuProfiler}.
 *
 * <p>The server runs as a child process so that its CPU time is its own: the benchmark client,
 * JMH and the JIT of the client JVM are not in it. {@link ServerProcess#cpuNanos()} reads it from
 * {@code /proc} (or, without it, from {@link ProcessHandle}), in clock ticks (10 ms), so
 * iterations are kept at a second or more.
 *
 * <p>Idle connections are opened only once the server is listening, and each one echoes a line
 * before the benchmark begins. That proves the server accepted and registered it: a connection
 * still waiting in the listen backlog would cost the server nothing and prove nothing.
 */
public final class ServerFixture implements AutoCloseable {
    /** Connections opened, then confirmed, this many at a time (the listen backlog is bounded). */
    private static final int CONFIRM_BATCH = 100;
    /** Seconds a server gets to become ready; a test of a server that never does sets it lower. */
    public static final String STARTUP_TIMEOUT_PROPERTY = "echostages.startupSeconds";
    /** File descriptors this JVM keeps for itself beyond one per connection: jars, pipes, JMH's link. */
    private static final long DESCRIPTOR_MARGIN = 200;

    private final ServerProcess server;
    private final Placement placement;
    private final List<EchoConnection> idle = new ArrayList<>();
    private long pinnedThreadId = -1;
    private long startCpuNanos;
    private long startWallNanos;

    private ServerFixture(ServerProcess server, Placement placement) {
        this.server = server;
        this.placement = placement;
    }

    /** Starts the server with limits for {@code idleConnections} plus {@code activeClients}, and opens the idle ones. */
    public static ServerFixture start(String serverId, String placementId, int idleConnections, int activeClients)
            throws IOException {
        Placement placement = Placement.byId(placementId);
        ServerFixture fixture = new ServerFixture(startServer(serverId, placement.serverCpu(), idleConnections + activeClients),
                placement);
        try {
            fixture.pinClientThread();
            fixture.addIdleConnections(idleConnections);
        } catch (IOException | RuntimeException failed) {
            fixture.close();
            throw failed;
        }
        return fixture;
    }

    /**
     * Starts the server, pinned to {@code cpu} when not null, with limits that let it serve
     * {@code connections} clients at once, and waits until it is ready: for a
     * server of this repository, its Listening line; for an outside one, an echoed line on the
     * port it was given.
     */
    public static ServerProcess startServer(String serverId, String cpu, int connections) throws IOException {
        ExternalServer external = ExternalServer.byName(serverId);
        ServerProcess.Builder server;
        if (external != null) {
            int port = ExternalServer.freePort();
            server = ServerProcess.command(external.command(port)).readyWhenItEchoesOn(port);
        } else {
            server = ServerProcess.command(ServerKind.byId(serverId).command(connections));
        }
        server.name(serverId)
                .startupTimeout(Duration.ofSeconds(Long.getLong(STARTUP_TIMEOUT_PROPERTY, 30)))
                .stopWait(Duration.ofSeconds(15))
                // The server is --quiet; anything it still prints (a warning) goes to our stderr, out of JMH's way.
                .onLine(line -> {
                    if (!line.text().startsWith("Listening on ")) {
                        String stream = line.source() == ServerProcess.Source.STDERR ? " stderr" : "";
                        System.err.println("[" + serverId + stream + "] " + line.text());
                    }
                });
        if (cpu != null) {
            // taskset execs the java command, so the server keeps the pid we are given.
            server.prefix("taskset", "-c", cpu);
        }
        return server.start();
    }

    public EchoConnection connect() throws IOException {
        return new EchoConnection(server.port());
    }

    /** Iteration setup: pin (again, should JMH have moved us to another thread) and start the window. */
    public void beginIteration() {
        pinClientThread();
        startWallNanos = System.nanoTime();
        startCpuNanos = server.cpuNanos();
    }

    /** Iteration teardown: close the window with the number of echoes it saw. */
    public void endIteration(long echoes) {
        long cpu = server.cpuNanos() - startCpuNanos;
        long wall = System.nanoTime() - startWallNanos;
        ServerCpuProfiler.publish(new ServerCpuProfiler.Window(cpu, wall, echoes));
    }

    /** The server's CPU time so far, for a measurement that keeps its own windows (outside JMH). */
    public long serverCpuNanos() {
        return server.cpuNanos();
    }

    public long pid() {
        return server.pid();
    }

    public int idleConnections() {
        return idle.size();
    }

    private void pinClientThread() {
        if (placement == Placement.UNPINNED) {
            return; // no thread id to look up in /proc, which only Linux has
        }
        long threadId = Placement.currentThreadId();
        if (threadId != pinnedThreadId) {
            placement.pinCurrentThread();
            pinnedThreadId = threadId;
        }
    }

    /**
     * Opens {@code count} more idle connections, each confirmed by an echo, and returns how long
     * that took in nanoseconds. A server that starts a thread per connection pays for each start
     * here, before the benchmark's window opens: the time is the honest price of accepting them.
     */
    public long addIdleConnections(int count) throws IOException {
        requireDescriptors(count);
        long start = System.nanoTime();
        for (int opened = 0; opened < count; opened += CONFIRM_BATCH) {
            List<EchoConnection> batch = new ArrayList<>();
            for (int i = opened; i < Math.min(count, opened + CONFIRM_BATCH); i++) {
                EchoConnection connection = connect();
                idle.add(connection);
                batch.add(connection);
            }
            byte[] hello = "idle connection says hello\n".getBytes(StandardCharsets.US_ASCII);
            for (EchoConnection connection : batch) {
                connection.send(hello);
            }
            for (EchoConnection connection : batch) {
                connection.expectEcho(hello);
            }
        }
        return System.nanoTime() - start;
    }

    /**
     * Fails before opening anything when this JVM would run out of file descriptors, with the
     * fix in the message, instead of failing at connection 9,873 with "Too many open files". On
     * Linux and macOS the JVM raises its soft limit to the hard one at start-up
     * ({@code -XX:+MaxFDLimit}, on by default), so the hard limit ({@code ulimit -Hn}) is what counts.
     */
    private void requireDescriptors(int more) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            long free = unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount();
            if (free < more + DESCRIPTOR_MARGIN) {
                throw new IllegalStateException(String.format(Locale.ROOT, "%,d more connections need about %,d file "
                        + "descriptors in this JVM, but only %,d of its %,d are free: raise the hard limit "
                        + "(ulimit -Hn, or nofile in /etc/security/limits.conf) and run again", more,
                        more + DESCRIPTOR_MARGIN, free, unix.getMaxFileDescriptorCount()));
            }
        }
        // Windows has no such per-process limit on sockets worth checking here.
    }

    /** Closes the idle connections first, so the server stops with nothing left to serve. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (EchoConnection connection : idle) {
            try {
                connection.close();
            } catch (IOException failed) {
                // Keep closing the others; the failures are reported together below.
                if (first == null) {
                    first = failed;
                } else {
                    first.addSuppressed(failed);
                }
            }
        }
        idle.clear();
        server.close();
        if (first != null) {
            throw first;
        }
    }
}
