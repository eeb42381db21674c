package dev.echostages.benchmarks;

import dev.echostages.benchmarks.harness.ExternalServer;
import dev.echostages.benchmarks.harness.Portability;
import dev.echostages.benchmarks.harness.ProgressOutput;
import dev.echostages.benchmarks.harness.RepoRoot;
import dev.echostages.benchmarks.harness.ServerCpuProfiler;
import dev.echostages.benchmarks.harness.ServerFixture;
import dev.echostages.benchmarks.harness.ServerKind;
import dev.echostages.benchmarks.report.ReadmeNumbers;
import dev.echostages.benchmarks.report.ReportGenerator;
import dev.echostages.benchmarks.run.MachineFacts;
import dev.echostages.benchmarks.run.RunFolder;
import dev.echostages.benchmarks.run.RunNotes;
import dev.echostages.tools.ServerProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
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
 *   quick [DIR]   every benchmark once, tiny settings, the memory measurement up to 1,000
 *                 connections and one round of the bare-server comparison (CI runs it in
 *                 ./mvnw verify). Results, REPORT.md and report/*.png in benchmarks/target/quick/
 *   full          the committed run, about 35 minutes on two cores: raw results into
 *                 benchmarks/results/, then benchmarks/REPORT.md, benchmarks/report/*.png and the
 *                 READMEs' generated numbers
 *   smoke [DIR]   the full grid with quick settings, memory up to 10,000: does every combination run?
 *                 results in benchmarks/target/smoke/
 *   memory [DIR]  the memory measurement alone
 *   bare [DIR]    the bare-server comparison alone, with the full run's settings
 *   report [RESULTS [DIR]]   (re)writes REPORT.md and report/*.png from a results folder
 *                 (default: the committed benchmarks/results into benchmarks/, and the READMEs' numbers)
 * </pre>
 *
 * {@code --servers busyloop,selector,...} limits a run to some servers;
 * {@code --external NAME=COMMAND} (repeatable) adds an outside echo server as one more row
 * everywhere ({@code {port}} in COMMAND becomes a free port).
 *
 * <p>Each mode is a few JMH runs, because the three benchmarks want different parameter grids
 * (the idle benchmark needs no placements; unpinned is only worth measuring at N = 0). The runs'
 * results are written as one JSON array, the same format as JMH's own {@code -rf json}; what JMH
 * cannot hold (the plan, failed trials and JMH's reasons, the machine, the memory readings, the
 * bare-server comparison) goes into files beside it: see {@link RunFolder}.
 */
public final class BenchmarkMain {
    /** The committed run's folder and where its report goes, relative to the repository root. */
    public static final String COMMITTED_RESULTS = "benchmarks/results";
    public static final String COMMITTED_REPORT = "benchmarks";

    /** One JMH run: a benchmark class and the parameter values to sweep. */
    record Plan(Class<?> benchmark, List<String> servers, String sizeParam, List<String> sizes, List<String> placements) {
        int trials() {
            return servers.size() * sizes.size() * placements.size();
        }

        /** Setup per trial, measured on this machine: a JVM fork and a server start (~1.3 s), plus
         * opening and confirming idle connections (~0.3 s per 1,000; 3.4 s for 10,000 platform threads). */
        long overheadMillis() {
            long idle = sizeParam.equals("idleConnections") ? sizes.stream().mapToLong(Long::parseLong).sum() : 0;
            return servers.size() * placements.size() * (1_300L * sizes.size() + idle * 3 / 10);
        }

        /** Every trial of this plan, as the report lists a missing one. */
        List<RunNotes.Trial> trialList() {
            List<RunNotes.Trial> trials = new ArrayList<>();
            for (String server : servers) {
                for (String size : sizes) {
                    for (String placement : placements) {
                        trials.add(new RunNotes.Trial(benchmark.getSimpleName(), server, Integer.parseInt(size), placement));
                    }
                }
            }
            return trials;
        }

        Plan withServers(List<String> only) {
            return new Plan(benchmark, only, sizeParam, sizes, placements);
        }
    }

    /**
     * Iterations and their length for one mode, the idle-connection sizes of the memory
     * measurement, and the bare-server comparison's settings (null: not measured).
     */
    record Settings(int warmupIterations, long warmupMillis, int measurementIterations, long measurementMillis,
            List<Integer> memorySizes, BareCostMeasurement.Settings bareCost) {
        Settings(int warmupIterations, long warmupMillis, int measurementIterations, long measurementMillis,
                List<Integer> memorySizes) {
            this(warmupIterations, warmupMillis, measurementIterations, measurementMillis, memorySizes, null);
        }

        long iterationsMillis() {
            return warmupIterations * warmupMillis + measurementIterations * measurementMillis;
        }

        /** Two servers started per pair and line size, each warmed up, then the rounds of both. */
        long bareCostMillis() {
            if (bareCost == null) {
                return 0;
            }
            long perPair = 2 * 1_500 + (long) (2_000 * bareCost.warmupSeconds()
                    + 2_000 * bareCost.rounds() * bareCost.windowSeconds());
            return perPair * BareCostMeasurement.PAIRS.size() * bareCost.lineBytes().size();
        }
    }

    static final List<Integer> MEMORY_SIZES = List.of(0, 1_000, 10_000);
    /** 10,000 connections would add half a minute to quick mode here (most of it the two servers named below): 1,000 it is. */
    static final List<Integer> QUICK_MEMORY_SIZES = List.of(0, 1_000);
    /**
     * Quick mode proves the harness and the report work, not the numbers: one short iteration of
     * each kind. Most of a quick trial is its set-up (a JMH fork, a server JVM, 100 connections),
     * and most of the memory measurement is opening 10,000 connections to the busy loop (it
     * accepts between passes over all the others) and starting 10,000 platform threads.
     */
    static final Settings QUICK = new Settings(1, 200, 1, 300, QUICK_MEMORY_SIZES, BareCostMeasurement.QUICK);
    /** The full grid with quick settings, and the memory measurement at full size. */
    static final Settings SMOKE = new Settings(1, 200, 1, 300, MEMORY_SIZES, BareCostMeasurement.QUICK);
    /**
     * Four warm-up seconds because the servers' JITs need them: Netty's echo path reached its
     * steady state (7 µs of CPU per echo, as stage 4) only in its third warm-up second here, at
     * 70 µs and 29 µs in the first two. Measured iterations of 1.5 s keep /proc's 10 ms tick
     * under 1% of the window; four of them (not five) keep the run within 40 minutes on two cores
     * with the asyncio server and the bare-server comparison added (see {@link #FULL_CUTS}).
     */
    static final Settings FULL = new Settings(4, 1_000, 4, 1_500, MEMORY_SIZES, BareCostMeasurement.FULL);
    /** What the full run leaves out to fit its time, as the report says it. */
    static final String FULL_CUTS = "to keep the run within about 40 minutes on this 2-core machine, each trial has four "
            + "measured iterations of 1.5 s (error bars from four, not five); `unpinned` is measured at N = 0 only; the "
            + "three bare servers run only in section 5's comparison with their stage (CPU per echo), not in the "
            + "benchmarks' grid; and the asyncio server, when python3 is present, runs everywhere the others do.";

    static List<Plan> quickPlans(List<String> servers) {
        return List.of(
                new Plan(IdleCostBenchmark.class, servers, "idleConnections", List.of("100"), List.of("split")),
                new Plan(RoundTripBenchmark.class, servers, "idleConnections", List.of("100"), List.of("split")),
                new Plan(ThroughputBenchmark.class, servers, "clients", List.of("16"), List.of("split")));
    }

    static List<Plan> fullPlans(List<String> servers) {
        List<String> idle = List.of("0", "100", "1000", "10000");
        return List.of(
                new Plan(IdleCostBenchmark.class, servers, "idleConnections", idle, List.of("split")),
                new Plan(RoundTripBenchmark.class, servers, "idleConnections", idle, List.of("same-core", "split")),
                new Plan(RoundTripBenchmark.class, servers, "idleConnections", List.of("0"), List.of("unpinned")),
                new Plan(ThroughputBenchmark.class, servers, "clients", List.of("1", "16", "64"), List.of("split", "same-core")));
    }

    /**
     * Without {@code taskset} only {@code unpinned} can run: every plan keeps its sizes and runs
     * them unpinned, and a plan that would only repeat what an earlier one now measures is dropped.
     */
    static List<Plan> runnableHere(List<Plan> plans, boolean canPin) {
        if (canPin) {
            return plans;
        }
        List<Plan> runnable = new ArrayList<>();
        Set<String> measured = new HashSet<>();
        for (Plan plan : plans) {
            List<String> sizes = plan.sizes().stream()
                    .filter(size -> measured.add(plan.benchmark().getSimpleName() + " " + size)).toList();
            if (!sizes.isEmpty()) {
                runnable.add(new Plan(plan.benchmark(), plan.servers(), plan.sizeParam(), sizes, List.of("unpinned")));
            }
        }
        return runnable;
    }

    /** The book's server, which the full run adds as an outside row (left out, with the reason, without python3). */
    static ExternalServer asyncio() {
        return new ExternalServer("asyncio", "python3 '" + RepoRoot.find().resolve("benchmarks/python/asyncio_echo.py")
                + "' --port {port}");
    }

    public static void main(String[] args) throws Exception {
        List<String> arguments = new ArrayList<>(Arrays.asList(args));
        List<String> servers = ServerKind.ALL_IDS_LIST;
        int serversAt = arguments.indexOf("--servers");
        if (serversAt >= 0 && serversAt + 1 < arguments.size()) {
            servers = List.of(arguments.get(serversAt + 1).split(","));
            servers.forEach(ServerKind::byId); // fail now on a typo, not after minutes of running
            arguments.subList(serversAt, serversAt + 2).clear();
        }
        List<ExternalServer> externals = new ArrayList<>();
        for (int at = arguments.indexOf("--external"); at >= 0; at = arguments.indexOf("--external")) {
            if (at + 1 >= arguments.size()) {
                usage(System.err);
                System.exit(2);
            }
            try {
                externals.add(ExternalServer.parse(arguments.get(at + 1)));
            } catch (IllegalArgumentException badOption) {
                System.err.println(badOption.getMessage());
                System.exit(2);
            }
            arguments.subList(at, at + 2).clear();
        }
        String mode = arguments.isEmpty() ? "help" : arguments.getFirst();
        Path root = RepoRoot.find();
        Path given = arguments.size() > 1 ? Path.of(arguments.get(1)) : null;
        switch (mode) {
            case "quick" -> {
                Path out = given != null ? given : root.resolve("benchmarks/target/quick");
                runAndReport(quickPlans(servers), servers, QUICK, "quick", out, out, externals);
            }
            case "full" -> {
                if (externals.stream().noneMatch(external -> external.name().equals("asyncio"))) {
                    externals.add(asyncio());
                }
                runAndReport(fullPlans(servers), servers, FULL, "full", root.resolve(COMMITTED_RESULTS),
                        root.resolve(COMMITTED_REPORT), externals);
            }
            case "smoke" -> {
                // The full grid with quick settings: every combination once, to catch a failing
                // one in minutes before starting a long run. Nothing it writes is committed.
                Path out = given != null ? given : root.resolve("benchmarks/target/smoke");
                runAndReport(fullPlans(servers), servers, SMOKE, "smoke", out, out, externals);
            }
            case "memory" -> {
                Path out = given != null ? given : root.resolve("benchmarks/target/memory");
                runAndReport(List.of(), servers, new Settings(1, 200, 1, 300, MEMORY_SIZES), "memory", out, out, externals);
            }
            case "bare" -> {
                // The bare-server comparison alone, with the full run's settings: for whoever works
                // on a stage's cost, about 2 to 3 minutes instead of the full run's half hour.
                Path out = given != null ? given : root.resolve("benchmarks/target/bare");
                List<String> stages = BareCostMeasurement.PAIRS.stream().map(pair -> pair.get(0).id()).toList();
                runAndReport(List.of(), stages, new Settings(0, 0, 0, 0, List.of(), BareCostMeasurement.FULL), "bare", out,
                        out, List.of());
            }
            case "report" -> {
                Path results = given != null ? given : root.resolve(COMMITTED_RESULTS);
                Path out = arguments.size() > 2 ? Path.of(arguments.get(2)) : root.resolve(COMMITTED_REPORT);
                report(results, out);
            }
            case "help", "--help", "-h" -> usage(System.out);
            default -> {
                System.err.println("unknown mode '" + mode + "'");
                usage(System.err);
                System.exit(2);
            }
        }
    }

    /**
     * Writes REPORT.md and its charts; for the committed folder also the numbers the READMEs
     * quote, so that they come from the same results. Returns the generator, for its headline.
     */
    static ReportGenerator report(Path results, Path out) throws IOException {
        ReportGenerator report = new ReportGenerator(results, out);
        report.write();
        Path root = RepoRoot.find();
        if (results.toAbsolutePath().normalize().equals(root.resolve(COMMITTED_RESULTS).toAbsolutePath().normalize())) {
            ReadmeNumbers.rewrite(root.resolve("README.md"), ReadmeNumbers.SUMMARY, report.readmeBlock(ReadmeNumbers.SUMMARY));
            ReadmeNumbers.rewrite(root.resolve("benchmarks/README.md"), ReadmeNumbers.MEMORY,
                    report.readmeBlock(ReadmeNumbers.MEMORY));
        }
        return report;
    }

    private static void usage(PrintStream out) {
        List<String> withAsyncio = new ArrayList<>(ServerKind.ALL_IDS_LIST);
        withAsyncio.add("asyncio"); // the full run adds it when python3 is present
        List<Plan> full = fullPlans(withAsyncio);
        out.println("usage: benchmarks quick [DIR] | full | smoke [DIR] | memory [DIR] | bare [DIR] | report [RESULTS [DIR]]");
        out.println("                  [--servers id,id,...] [--external NAME=COMMAND]...");
        out.println("  quick   every benchmark once with tiny settings (" + estimate(quickPlans(ServerKind.ALL_IDS_LIST), QUICK, 6) + ")");
        out.println("  full    the real run (" + estimate(full, FULL, 7) + ", with asyncio);\n"
                + "          writes benchmarks/results/, benchmarks/REPORT.md, benchmarks/report/*.png and the READMEs' numbers");
        out.println("  smoke   the full grid with quick settings (" + estimate(fullPlans(ServerKind.ALL_IDS_LIST), SMOKE, 6)
                + "): checks every combination runs");
        out.println("  memory  RSS, threads and live heap with 0, 1,000 and 10,000 idle connections");
        out.println("  bare    the bare-server comparison alone, full settings (about "
                + new Settings(0, 0, 0, 0, List.of(), BareCostMeasurement.FULL).bareCostMillis() / 1000 + " s)");
        out.println("  report  rewrites REPORT.md and report/*.png from a results folder (default: " + COMMITTED_RESULTS + ")");
        out.println("servers: " + ServerKind.ALL_IDS);
        out.println("--external NAME=COMMAND  one more server: any line echo server; {port} in COMMAND becomes a free port,");
        out.println("                         e.g. --external 'asyncio=python3 benchmarks/python/asyncio_echo.py --port {port}'");
    }

    /**
     * Checks the outside servers, runs the plans (theirs apart, so that one failing cannot stop
     * the others), measures memory and the bare-server comparison, writes every raw result into
     * {@code resultsDir}, then the report from them into {@code reportDir}. Returns the headline.
     */
    public static List<String> runAndReport(List<Plan> plans, List<String> builtIn, Settings settings, String modeName,
            Path resultsDir, Path reportDir, List<ExternalServer> externals) throws RunnerException, IOException {
        long started = System.nanoTime();
        // Read before anything is pinned: placing a client pins the thread that places it.
        MachineFacts machine = MachineFacts.ofThisMachine();
        Optional<String> whyNoTaskset = Portability.whyNoTaskset();
        plans = runnableHere(plans, whyNoTaskset.isEmpty());
        System.out.println("# echo-stages benchmarks, " + modeName + " mode");
        whyNoTaskset.ifPresent(why -> System.out.println("# placements: unpinned only, because " + why));
        ServerKind.snapshotJars(RepoRoot.find().resolve("benchmarks/target/server-jars"));
        Files.createDirectories(resultsDir);
        for (String file : List.of(RunFolder.JMH_FILE, RunFolder.NOTES_FILE, RunFolder.MEMORY_FILE, RunFolder.BARE_COST_FILE,
                RunFolder.MACHINE_FILE)) {
            Files.deleteIfExists(resultsDir.resolve(file)); // nothing of an earlier run may pass for this one's
        }

        List<RunNotes.OutsideServer> outside = new ArrayList<>();
        List<String> ready = new ArrayList<>();
        for (ExternalServer external : externals) {
            String failure = external.whyItCannotRun().orElse(null);
            if (failure == null) {
                System.setProperty(ExternalServer.PROPERTY_PREFIX + external.name(), external.commandLine());
                failure = tryOutsideServer(external);
            }
            outside.add(new RunNotes.OutsideServer(external.name(), external.commandLine(), failure));
            if (failure == null) {
                ready.add(external.name());
                System.out.println("# outside server " + external.name() + ": ready (echoes a line)");
            } else {
                System.clearProperty(ExternalServer.PROPERTY_PREFIX + external.name());
                System.out.println("# outside server " + external.name() + " left out: " + failure.lines().findFirst().orElse(failure));
            }
        }

        List<Plan> everyRun = new ArrayList<>(plans);
        plans.forEach(plan -> everyRun.add(plan.withServers(ready)));
        int total = everyRun.stream().mapToInt(Plan::trials).sum();
        System.out.println("# " + estimate(everyRun, settings, builtIn.size() + ready.size()));
        List<RunResult> results = new ArrayList<>();
        List<RunNotes.FailedTrial> failed = new ArrayList<>();
        int done = 0;
        for (Plan plan : plans) {
            // Quick mode is a test: a server of ours that fails must fail it. The full run goes on
            // with the other servers and the report shows what is missing. An outside server never
            // stops a run: it is measured in a JMH run of its own.
            done = run(plan, settings, !modeName.equals("full"), results, failed, total, done);
            if (!ready.isEmpty()) {
                done = run(plan.withServers(ready), settings, false, results, failed, total, done);
            }
        }
        try (PrintStream out = new PrintStream(Files.newOutputStream(resultsDir.resolve(RunFolder.JMH_FILE)), true, "UTF-8")) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, out).writeOut(results);
        }

        List<String> memoryServers = new ArrayList<>(builtIn);
        memoryServers.addAll(ready);
        if (!settings.memorySizes().isEmpty()) {
            IdleMemoryMeasurement.run(memoryServers, settings.memorySizes(), resultsDir, System.out);
        }
        if (settings.bareCost() != null) {
            BareCostMeasurement.run(settings.bareCost(), builtIn, resultsDir, System.out);
        }

        String cpuSource = Portability.whyNoProc().isEmpty() ? "/proc/PID/stat (utime + stime)"
                : "ProcessHandle.info().totalCpuDuration(), because " + Portability.whyNoProc().get();
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        String duration = String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
        RunNotes notes = new RunNotes(modeName, settings.warmupIterations() * settings.warmupMillis() / 1000.0,
                plans.stream().flatMap(plan -> plan.placements().stream()).distinct().toList(), whyNoTaskset.orElse(null),
                cpuSource, outside, everyRun.stream().flatMap(plan -> plan.trialList().stream()).toList(), failed,
                modeName.equals("full") ? FULL_CUTS : null, duration);
        RunFolder.writeJson(resultsDir, RunFolder.NOTES_FILE, notes);
        RunFolder.writeJson(resultsDir, RunFolder.MACHINE_FILE, machine);

        ReportGenerator report = modeName.equals("full") ? report(resultsDir, reportDir) : new ReportGenerator(resultsDir, reportDir);
        if (!modeName.equals("full")) {
            report.write();
        }
        System.out.println("# results: " + resultsDir);
        System.out.println("# report:  " + reportDir.resolve(ReportGenerator.REPORT_FILE));
        List<String> headline = report.headline();
        System.out.println(notes.warmEnoughToCompare() || plans.isEmpty() ? "# headline findings:"
                : "# headline findings (comparisons of servers left out: the warm-up is too short to support them):");
        headline.forEach(line -> System.out.println("#   " + line));
        System.out.println("# " + modeName + " mode took " + duration);
        return headline;
    }

    /** Starts an outside server once and stops it; null when it echoed, else why it failed. */
    private static String tryOutsideServer(ExternalServer external) {
        try (ServerProcess server = ServerFixture.startServer(external.name(), null, 1)) {
            return null;
        } catch (IOException | RuntimeException failed) {
            return failed.getMessage();
        }
    }

    private static int run(Plan plan, Settings settings, boolean failOnError, List<RunResult> results,
            List<RunNotes.FailedTrial> failed, int total, int done) throws RunnerException {
        if (plan.trials() == 0) {
            return done;
        }
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
                .jvmArgsAppend(forkJvmArguments().toArray(String[]::new))
                .shouldFailOnError(failOnError);
        ProgressOutput progress = new ProgressOutput(System.out, total, done);
        try {
            results.addAll(new Runner(options.build(), progress).run());
        } finally {
            progress.flushFailure();
            failed.addAll(progress.failedTrials());
        }
        return progress.done();
    }

    /** What every JMH fork must know: where the repository and the jar copies are, the outside servers, the switches. */
    private static List<String> forkJvmArguments() {
        List<String> jvm = new ArrayList<>(List.of("-D" + RepoRoot.PROPERTY + "=" + RepoRoot.find(),
                "-D" + ServerKind.JARS_PROPERTY + "=" + System.getProperty(ServerKind.JARS_PROPERTY)));
        ExternalServer.declared().forEach((name, command) -> jvm.add("-D" + ExternalServer.PROPERTY_PREFIX + name + "=" + command));
        for (String passedOn : List.of(ServerProcess.PORTABLE_PROPERTY, ServerFixture.STARTUP_TIMEOUT_PROPERTY)) {
            if (System.getProperty(passedOn) != null) {
                jvm.add("-D" + passedOn + "=" + System.getProperty(passedOn));
            }
        }
        // JMH 1.37 reads field offsets through sun.misc.Unsafe, and since JDK 24 every fork would
        // print four WARNING lines about it. JDK 23 added the switch that allows it quietly; older
        // JDKs refuse to start with it, so it is passed only where it exists. (The forks run on
        // this JVM's java, so this JVM's version is theirs.)
        if (Runtime.version().feature() >= 23) {
            jvm.add("--sun-misc-unsafe-memory-access=allow");
        }
        return jvm;
    }

    /**
     * The launcher's estimate: JMH iterations and set-up per trial, and the memory measurement
     * (measured here: about 2 s per server to start, attach and collect, plus about 0.6 s per
     * 1,000 connections, more for the busy loop and the thread-per-connection server).
     */
    static String estimate(List<Plan> plans, Settings settings, int memoryServers) {
        int trials = plans.stream().mapToInt(Plan::trials).sum();
        long memoryMillis = settings.memorySizes().isEmpty() ? 0
                : memoryServers * (2_000L + settings.memorySizes().getLast() * 6 / 10);
        long millis = trials * settings.iterationsMillis() + plans.stream().mapToLong(Plan::overheadMillis).sum() + memoryMillis
                + settings.bareCostMillis();
        return String.format(Locale.ROOT, "%d trials, the memory measurement and the bare-server comparison, about %.0f min %02d s", trials,
                Math.floor(millis / 60_000.0), (millis / 1000) % 60);
    }
}
