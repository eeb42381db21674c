package dev.echostages.benchmarks.harness;

import dev.echostages.common.ServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What every benchmark does around its measured loop: start the server under test in its
 * placement, pin the client thread, open the idle connections, and read the server's CPU at the
 * start and end of each iteration for {@link ServerCpuProfiler}.
 *
 * <p>The server runs as a child process so that its CPU time is its own: the benchmark client,
 * JMH and the JIT of the client JVM are not in it. {@link ServerProcess#cpuNanos()} reads it from
 * {@code /proc}, in clock ticks (10 ms), so iterations are kept at a second or more.
 *
 * <p>Idle connections are opened only once the server is listening, and each one echoes a line
 * before the benchmark begins. That proves the server accepted and registered it: a connection
 * still waiting in the listen backlog would cost the server nothing and prove nothing.
 */
public final class ServerFixture implements AutoCloseable {
    /** Connections opened, then confirmed, this many at a time (the listen backlog is bounded). */
    private static final int CONFIRM_BATCH = 100;

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

    public static ServerFixture start(String serverId, String placementId, int idleConnections) throws IOException {
        Placement placement = Placement.byId(placementId);
        ServerFixture fixture = new ServerFixture(startServer(ServerKind.byId(serverId), placement.serverCpu()), placement);
        try {
            fixture.pinClientThread();
            fixture.openIdleConnections(idleConnections);
        } catch (IOException | RuntimeException failed) {
            fixture.close();
            throw failed;
        }
        return fixture;
    }

    /** Starts the server, pinned to {@code cpu} when not null, and waits for its Listening line. */
    private static ServerProcess startServer(ServerKind kind, String cpu) throws IOException {
        ServerProcess.Builder server = ServerProcess.command(kind.command()).name(kind.id())
                .startupTimeout(Duration.ofSeconds(30))
                .stopWait(Duration.ofSeconds(15))
                // The server is --quiet; anything it still prints (a warning) goes to our stderr, out of JMH's way.
                .onLine(line -> {
                    if (!line.text().startsWith("Listening on ")) {
                        String stream = line.source() == ServerProcess.Source.STDERR ? " stderr" : "";
                        System.err.println("[" + kind.id() + stream + "] " + line.text());
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

    private void pinClientThread() {
        long threadId = Placement.currentThreadId();
        if (threadId != pinnedThreadId) {
            placement.pinCurrentThread();
            pinnedThreadId = threadId;
        }
    }

    private void openIdleConnections(int count) throws IOException {
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
