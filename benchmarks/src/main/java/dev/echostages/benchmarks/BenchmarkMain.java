package dev.echostages.benchmarks;

import dev.echostages.benchmarks.harness.RepoRoot;
import dev.echostages.benchmarks.harness.ServerCpuProfiler;
import dev.echostages.benchmarks.harness.ServerKind;
import dev.echostages.benchmarks.report.ReportGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks and writes the report: one command per mode.
 *
 * <pre>
 *   quick   every benchmark once, tiny settings, about a minute (CI runs it in ./mvnw verify)
 *           results in benchmarks/target/quick/ (JSON, REPORT.md, report/*.png)
 *   full    the real run, about 20 minutes on two cores; writes benchmarks/results/jmh-result.json,
 *           then benchmarks/REPORT.md and benchmarks/report/*.png
 *   smoke   the full grid with quick settings (a few minutes): does every combination run?
 *           results in benchmarks/target/smoke/
 *   report JSON [DIR]   (re)writes REPORT.md and report/*.png from a JMH JSON file into DIR
 * </pre>
 *
 * {@code --servers busyloop,selector,...} limits a run to some servers.
 *
 * <p>Each mode is a few JMH runs, because the three benchmarks want different parameter grids
 * (the idle benchmark needs no placements; unpinned is only worth measuring at N = 0). The runs'
 * results are written as one JSON array, the same format as JMH's own {@code -rf json}.
 */
public final class BenchmarkMain {

    /** One JMH run: a benchmark class and the parameter values to sweep. */
    record Plan(Class<?> benchmark, List<String> servers, String sizeParam, List<String> sizes, List<String> placements) {
        int trials() {
            return servers.size() * sizes.size() * placements.size();
        }

        /** Setup per trial, measured on this machine (smoke mode: 96 trials of 0.8 s took 2 min 24 s): a JVM fork
         * and a server start (~1 s), plus opening and confirming idle connections (~1 s per 1,000). */
        long overheadMillis() {
            long idle = sizeParam.equals("idleConnections") ? sizes.stream().mapToLong(Long::parseLong).sum() : 0;
            return servers.size() * placements.size() * (1_000L * sizes.size() + idle);
        }
    }

    /** Iterations and their length for one mode. */
    record Settings(int warmupIterations, long warmupMillis, int measurementIterations, long measurementMillis) {
        long iterationsMillis() {
            return warmupIterations * warmupMillis + measurementIterations * measurementMillis;
        }
    }

    static final Settings QUICK = new Settings(1, 300, 1, 500);
    /**
     * Four warm-up seconds because the servers' JITs need them: Netty's echo path reached its
     * steady state (7 µs of CPU per echo, as stage 4) only in its third warm-up second here, at
     * 70 µs and 29 µs in the first two. Measured iterations of 1.5 s keep /proc's 10 ms tick
     * under 1% of the window.
     */
    static final Settings FULL = new Settings(4, 1_000, 5, 1_500);

    static List<Plan> quickPlans(List<String> servers) {
        return List.of(
                new Plan(IdleCostBenchmark.class, servers, "idleConnections", List.of("100"), List.of("split")),
                new Plan(RoundTripBenchmark.class, servers, "idleConnections", List.of("100"), List.of("split")),
                new Plan(ThroughputBenchmark.class, servers, "clients", List.of("16"), List.of("split")));
    }

    static List<Plan> fullPlans(List<String> servers) {
        List<String> idle = List.of("0", "100", "1000");
        return List.of(
                new Plan(IdleCostBenchmark.class, servers, "idleConnections", idle, List.of("split")),
                new Plan(RoundTripBenchmark.class, servers, "idleConnections", idle, List.of("same-core", "split")),
                new Plan(RoundTripBenchmark.class, servers, "idleConnections", List.of("0"), List.of("unpinned")),
                new Plan(ThroughputBenchmark.class, servers, "clients", List.of("1", "16", "64"), List.of("split", "same-core")));
    }

    public static void main(String[] args) throws Exception {
        List<String> arguments = new ArrayList<>(Arrays.asList(args));
        List<String> servers = List.of(ServerKind.ALL_IDS.split(","));
        int serversAt = arguments.indexOf("--servers");
        if (serversAt >= 0 && serversAt + 1 < arguments.size()) {
            servers = List.of(arguments.get(serversAt + 1).split(","));
            servers.forEach(ServerKind::byId); // fail now on a typo, not after minutes of running
            arguments.subList(serversAt, serversAt + 2).clear();
        }
        String mode = arguments.isEmpty() ? "help" : arguments.getFirst();
        Path root = RepoRoot.find();
        switch (mode) {
            case "quick" -> {
                Path out = arguments.size() > 1 ? Path.of(arguments.get(1)) : root.resolve("benchmarks/target/quick");
                runAndReport(quickPlans(servers), QUICK, "quick", out.resolve("jmh-result.json"), out);
            }
            case "full" -> runAndReport(fullPlans(servers), FULL, "full",
                    root.resolve("benchmarks/results/jmh-result.json"), root.resolve("benchmarks"));
            case "smoke" -> {
                // The full grid with quick settings: every combination once, to catch a failing
                // one in minutes before starting a long run. Nothing it writes is committed.
                Path out = root.resolve("benchmarks/target/smoke");
                runAndReport(fullPlans(servers), QUICK, "smoke", out.resolve("jmh-result.json"), out);
            }
            case "report" -> {
                if (arguments.size() < 2) {
                    usage(System.err);
                    System.exit(2);
                }
                Path out = arguments.size() > 2 ? Path.of(arguments.get(2)) : root.resolve("benchmarks");
                new ReportGenerator(Path.of(arguments.get(1)), out).write();
            }
            case "help", "--help", "-h" -> usage(System.out);
            default -> {
                System.err.println("unknown mode '" + mode + "'");
                usage(System.err);
                System.exit(2);
            }
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: benchmarks quick [DIR] | full | smoke | report JSON [DIR]   [--servers id,id,...]");
        out.println("  quick   every benchmark once with tiny settings (about a minute)");
        out.println("  full    the real run (" + estimate(fullPlans(List.of(ServerKind.ALL_IDS.split(","))), FULL)
                + "); writes benchmarks/REPORT.md and benchmarks/report/*.png");
        out.println("  smoke   the full grid with quick settings (" + estimate(fullPlans(List.of(ServerKind.ALL_IDS.split(","))), QUICK)
                + "): checks every combination runs");
        out.println("  report  rewrites REPORT.md and report/*.png from a JMH JSON file");
        out.println("servers: " + ServerKind.ALL_IDS);
    }

    /** Runs the plans, writes one JSON file with all their results, then the report from it. */
    public static void runAndReport(List<Plan> plans, Settings settings, String modeName, Path json, Path reportDir)
            throws RunnerException, IOException {
        System.out.println("# echo-stages benchmarks, " + modeName + " mode: " + estimate(plans, settings));
        ServerKind.snapshotJars(RepoRoot.find().resolve("benchmarks/target/server-jars"));
        List<RunResult> results = new ArrayList<>();
        for (Plan plan : plans) {
            results.addAll(run(plan, settings, !modeName.equals("full")));
        }
        Files.createDirectories(json.toAbsolutePath().getParent());
        try (PrintStream out = new PrintStream(Files.newOutputStream(json), true, "UTF-8")) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, out).writeOut(results);
        }
        System.out.println("# results: " + json);
        new ReportGenerator(json, reportDir).write();
        System.out.println("# report: " + reportDir.resolve(ReportGenerator.REPORT_FILE));
    }

    private static Collection<RunResult> run(Plan plan, Settings settings, boolean failOnError) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(plan.benchmark().getName() + "\\.")
                .param("server", plan.servers().toArray(String[]::new))
                .param(plan.sizeParam(), plan.sizes().toArray(String[]::new))
                .param("placement", plan.placements().toArray(String[]::new))
                .warmupIterations(settings.warmupIterations())
                .warmupTime(TimeValue.milliseconds(settings.warmupMillis()))
                .measurementIterations(settings.measurementIterations())
                .measurementTime(TimeValue.milliseconds(settings.measurementMillis()))
                .forks(1)
                .threads(1)
                // A hung server must not hang the run: sockets time out after 10 s, JMH after this.
                .timeout(TimeValue.seconds(60))
                .addProfiler(ServerCpuProfiler.class)
                .jvmArgsAppend("-D" + RepoRoot.PROPERTY + "=" + RepoRoot.find(),
                        "-D" + ServerKind.JARS_PROPERTY + "=" + System.getProperty(ServerKind.JARS_PROPERTY))
                // Quick mode is a test: a server that fails must fail it. The full run goes on with
                // the other servers and the report shows what is missing.
                .shouldFailOnError(failOnError);
        return new Runner(options.build()).run();
    }

    static String estimate(List<Plan> plans, Settings settings) {
        int trials = plans.stream().mapToInt(Plan::trials).sum();
        long millis = trials * settings.iterationsMillis() + plans.stream().mapToLong(Plan::overheadMillis).sum();
        return String.format(Locale.ROOT, "%d trials, about %.0f min %02d s", trials,
                Math.floor(millis / 60_000.0), (millis / 1000) % 60);
    }
}
