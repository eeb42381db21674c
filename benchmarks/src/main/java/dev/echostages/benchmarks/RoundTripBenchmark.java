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
 * Benchmark 2, echo round trip: one active client sends a line and waits for it to come back,
 * while N other connections sit idle.
 *
 * <p>Primary score: the round-trip time, sampled per echo (average and percentiles). Secondary:
 * {@code server.cpu.us_per_echo}, the server's CPU time per echo. A busy loop visits every
 * connection on every pass, so both grow with N; a selector is told by the kernel which
 * connection is ready, so both stay flat. At N = 0 the busy loop may answer fastest: it never
 * sleeps, so no wake-up stands between the packet and the read.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RoundTripBenchmark {
    private static final byte[] LINE = "the quick brown fox jumps over the lazy dog\n".getBytes(StandardCharsets.US_ASCII);

    @Param({"busyloop", "selector", "nio2", "virtual", "threads", "netty"})
    public String server;

    @Param({"0", "100", "1000"})
    public int idleConnections;

    @Param({"same-core", "split"})
    public String placement;

    private ServerFixture fixture;
    private EchoConnection active;
    private long echoes;

    @Setup(Level.Trial)
    public void startServer() throws IOException {
        fixture = ServerFixture.start(server, placement, idleConnections, 1);
        active = fixture.connect();
    }

    @Setup(Level.Iteration)
    public void beginIteration() {
        echoes = 0;
        fixture.beginIteration();
    }

    @Benchmark
    public void echoOneLine() throws IOException {
        active.send(LINE);
        active.expectEcho(LINE);
        echoes++;
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        fixture.endIteration(echoes);
    }

    @TearDown(Level.Trial)
    public void stopServer() throws IOException {
        active.close();
        fixture.close();
    }
}
