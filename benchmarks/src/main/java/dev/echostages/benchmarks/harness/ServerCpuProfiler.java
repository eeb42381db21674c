package dev.echostages.benchmarks.harness;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Puts the server's CPU next to JMH's primary metric, as secondary results in the same JSON:
 * {@value #CORES} (server CPU time / wall time of the iteration) and {@value #PER_ECHO} (server
 * CPU time / echoes in the iteration).
 *
 * <p>The benchmark's iteration-level setup and teardown take the readings (see
 * {@link ServerFixture}), because only they run right around the measured loop: the profiler's
 * own hooks run before the trial's setup has started the server and after its teardown has
 * stopped it. The profiler only turns the last window into results. It runs inside the JMH fork,
 * in the same JVM as the benchmark, so a static field is enough to hand the window over.
 */
public final class ServerCpuProfiler implements InternalProfiler {
    public static final String CORES = "server.cpu.cores";
    public static final String PER_ECHO = "server.cpu.us_per_echo";

    /** One iteration's worth of server CPU, wall time and echoes. */
    record Window(long cpuNanos, long wallNanos, long echoes) {
    }

    private static volatile Window lastWindow;

    static void publish(Window window) {
        lastWindow = window;
    }

    @Override
    public String getDescription() {
        return "CPU time of the server process under test (/proc/PID/stat, or ProcessHandle elsewhere): cores and µs per echo";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        lastWindow = null;
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        Window window = lastWindow;
        if (window == null || window.wallNanos() <= 0) {
            return List.of();
        }
        List<Result> results = new ArrayList<>();
        results.add(new ScalarResult(CORES, window.cpuNanos() / (double) window.wallNanos(), "cores", AggregationPolicy.AVG));
        if (window.echoes() > 0) {
            results.add(new ScalarResult(PER_ECHO, window.cpuNanos() / 1_000.0 / window.echoes(), "us/echo", AggregationPolicy.AVG));
        }
        return results;
    }
}
