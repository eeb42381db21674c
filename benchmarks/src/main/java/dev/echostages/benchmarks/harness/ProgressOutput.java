package dev.echostages.benchmarks.harness;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import dev.echostages.benchmarks.run.RunNotes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH's console output cut to one line per trial, for a reader who wants to see the run move,
 * not JMH's 50 lines of settings and iterations per trial (they are all in the JSON):
 *
 * <pre>
 *   [ 7/18] RoundTrip   selector  N=100   split      45.2 us/op     server 12.1 us/echo   (2.3 s)
 * </pre>
 *
 * Everything else JMH or a fork prints (a server's warning, a stack trace) is held back per trial
 * and printed in full when that trial fails, so nothing that explains a failure is lost.
 */
public final class ProgressOutput implements OutputFormat {
    private final PrintStream out;
    private final int total;
    private int done;
    private long trialStart;
    private final StringBuilder heldBack = new StringBuilder();
    private boolean failed;
    private BenchmarkParams current;
    private final List<RunNotes.FailedTrial> failedTrials = new ArrayList<>();

    public ProgressOutput(PrintStream out, int total, int alreadyDone) {
        this.out = out;
        this.total = total;
        this.done = alreadyDone;
    }

    public int done() {
        return done;
    }

    @Override
    public void startBenchmark(BenchmarkParams params) {
        flushFailure();
        current = params;
        trialStart = System.nanoTime();
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        done++;
        if (result == null || result.getPrimaryResult() == null) {
            failed = true;
            flushFailure();
            return;
        }
        BenchmarkParams params = result.getParams();
        String benchmark = params.getBenchmark();
        benchmark = benchmark.substring(0, benchmark.lastIndexOf('.'));
        benchmark = benchmark.substring(benchmark.lastIndexOf('.') + 1).replace("Benchmark", "");
        String size = params.getParam("idleConnections") != null ? "N=" + params.getParam("idleConnections")
                : "K=" + params.getParam("clients");
        Result<?> primary = result.getPrimaryResult();
        Map<String, Result> secondary = result.getSecondaryResults();
        String cpu = secondary.containsKey(ServerCpuProfiler.PER_ECHO)
                ? String.format(Locale.ROOT, "server %.1f us/echo", secondary.get(ServerCpuProfiler.PER_ECHO).getScore())
                : secondary.containsKey(ServerCpuProfiler.CORES)
                        ? String.format(Locale.ROOT, "server %.2f cores", secondary.get(ServerCpuProfiler.CORES).getScore())
                        : "no server CPU";
        out.printf(Locale.ROOT, "[%2d/%d] %-10s %-10s %-8s %-9s %10.1f %-8s %-22s (%.1f s)%n", done, total, benchmark,
                params.getParam("server"), size, params.getParam("placement"), primary.getScore(),
                primary.getScoreUnit(), cpu, (System.nanoTime() - trialStart) / 1e9);
        heldBack.setLength(0);
    }

    /**
     * A failed trial's held-back output, with the JDK's sun.misc.Unsafe warnings about JMH left
     * out. Also called by the launcher when JMH gives up with an exception, so a failure that
     * stops the run is explained before the stack trace.
     */
    public void flushFailure() {
        if (failed && current != null) {
            failedTrials.add(new RunNotes.FailedTrial(trial(current), reason(heldBack.toString())));
        }
        if (failed) {
            out.printf(Locale.ROOT, "[%2d/%d] FAILED; JMH and the server said:%n", done, total);
            heldBack.toString().lines().filter(line -> !line.startsWith("WARNING: ") || !line.contains("sun.misc.Unsafe")
                    && !line.contains("Please consider reporting")).forEach(line -> out.println("    " + line));
        }
        failed = false;
        heldBack.setLength(0);
    }

    /** The trials that failed so far, each with the reason JMH or the server gave. */
    public List<RunNotes.FailedTrial> failedTrials() {
        return List.copyOf(failedTrials);
    }

    private static RunNotes.Trial trial(BenchmarkParams params) {
        String benchmark = params.getBenchmark();
        benchmark = benchmark.substring(0, benchmark.lastIndexOf('.'));
        benchmark = benchmark.substring(benchmark.lastIndexOf('.') + 1);
        String size = params.getParam("idleConnections") != null ? params.getParam("idleConnections") : params.getParam("clients");
        return new RunNotes.Trial(benchmark, params.getParam("server"), Integer.parseInt(size), params.getParam("placement"));
    }

    /** The root cause a failed trial printed: the last "Caused by", else the first exception line, else the first line. */
    static String reason(String output) {
        List<String> lines = output.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        String found = lines.stream().filter(line -> line.startsWith("Caused by: ")).reduce((a, b) -> b)
                .map(line -> line.substring("Caused by: ".length()))
                .orElse(lines.stream().filter(line -> line.matches("[\\w.$]+(Exception|Error)(: .*)?")).findFirst()
                        .orElse(lines.isEmpty() ? "no output" : lines.getFirst()));
        return found.length() > 300 ? found.substring(0, 300) + "…" : found;
    }

    private void hold(String text) {
        heldBack.append(text);
        if (text.contains("<failure>") || text.contains("Benchmark had encountered error")) {
            failed = true;
        }
    }

    @Override
    public void print(String text) {
        hold(text);
    }

    @Override
    public void println(String text) {
        hold(text + "\n");
    }

    @Override
    public void verbosePrintln(String text) {
        // Only shown with JMH's -v EXTRA; not here.
    }

    @Override
    public void write(int b) {
        heldBack.append((char) b);
    }

    @Override
    public void write(byte[] bytes) {
        hold(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public void endRun(Collection<RunResult> results) {
        flushFailure();
    }

    @Override
    public void iteration(BenchmarkParams benchmarkParams, IterationParams iterationParams, int iteration) {
        // One line per trial, not per iteration: the iterations are in the JSON.
    }

    @Override
    public void iterationResult(BenchmarkParams benchmarkParams, IterationParams iterationParams, int iteration,
            IterationResult result) {
        // As above.
    }

    @Override
    public void startRun() {
        // The launcher has printed its own heading.
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }
}
