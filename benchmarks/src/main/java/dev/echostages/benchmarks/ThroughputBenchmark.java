package dev.echostages.benchmarks;

import dev.echostages.benchmarks.harness.EchoConnection;
import dev.echostages.benchmarks.harness.ServerFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Benchmark 3, throughput: K clients all active at once, each with one line in flight at all
 * times.
 *
 * <p>One client thread drives all K connections in turn: it reads connection i's echo and at
 * once sends it the next line, so the server always has K lines to answer. One thread rather
 * than K keeps the client's own CPU small on a two-core machine, where every client thread would
 * take CPU from the server. Primary score: echoes per second; secondary: the server's CPU
 * microseconds per echo.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ThroughputBenchmark {
    private static final byte[] LINE = "the quick brown fox jumps over the lazy dog\n".getBytes(StandardCharsets.US_ASCII);

    @Param({"busyloop", "selector", "nio2", "virtual", "threads", "netty"})
    public String server;

    @Param({"1", "16", "64"})
    public int clients;

    @Param({"split", "same-core"})
    public String placement;

    private ServerFixture fixture;
    private EchoConnection[] connections;
    private int next;
    private long echoes;

    @Setup(Level.Trial)
    public void startServer() throws IOException {
        fixture = ServerFixture.start(server, placement, 0, clients);
        connections = new EchoConnection[clients];
        for (int i = 0; i < clients; i++) {
            connections[i] = fixture.connect();
            connections[i].send(LINE); // the first line in flight; each echo sends the next
        }
    }

    @Setup(Level.Iteration)
    public void beginIteration() {
        echoes = 0;
        fixture.beginIteration();
    }

    @Benchmark
    public void echoNextLine() throws IOException {
        EchoConnection connection = connections[next];
        connection.expectEcho(LINE);
        connection.send(LINE);
        next = next + 1 == connections.length ? 0 : next + 1;
        echoes++;
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        fixture.endIteration(echoes);
    }

    @TearDown(Level.Trial)
    public void stopServer() throws IOException {
        for (EchoConnection connection : connections) {
            connection.close(); // lines still in flight are simply dropped with the connection
        }
        fixture.close();
    }
}
