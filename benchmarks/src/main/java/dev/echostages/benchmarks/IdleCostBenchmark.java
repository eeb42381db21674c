package dev.echostages.benchmarks;

import dev.echostages.benchmarks.harness.ServerFixture;
import java.io.IOException;
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
 * Benchmark 1, idle cost: how much CPU does a server burn while N clients are connected and say
 * nothing?
 *
 * <p>The client does nothing on purpose (it sleeps), so the primary score is just that sleep and
 * means nothing. The result is the secondary metric {@code server.cpu.cores}: the server's CPU
 * time divided by wall time, 1.0 being one core fully busy. Expect the busy loop near 1.0 with or
 * without clients, and every server that lets the kernel wake it (selector, NIO.2, virtual
 * threads, a thread per connection, Netty) near 0.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class IdleCostBenchmark {
    @Param({"busyloop", "selector", "nio2", "virtual", "threads", "netty"})
    public String server;

    @Param({"0", "100", "1000"})
    public int idleConnections;

    /** The client sleeps, so where it runs hardly matters; the server is pinned all the same. */
    @Param({"split"})
    public String placement;

    private ServerFixture fixture;

    @Setup(Level.Trial)
    public void startServer() throws IOException {
        fixture = ServerFixture.start(server, placement, idleConnections, 0);
    }

    @Setup(Level.Iteration)
    public void beginIteration() {
        fixture.beginIteration();
    }

    @Benchmark
    public void everyoneStaysSilent() throws InterruptedException {
        Thread.sleep(100);
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        fixture.endIteration(0);
    }

    @TearDown(Level.Trial)
    public void stopServer() throws IOException {
        fixture.close();
    }
}
