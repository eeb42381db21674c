package dev.echostages.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.echostages.benchmarks.harness.Portability;
import dev.echostages.benchmarks.harness.RepoRoot;
import dev.echostages.benchmarks.harness.ServerCpuProfiler;
import dev.echostages.benchmarks.harness.ServerKind;
import dev.echostages.benchmarks.report.ReportGenerator;
import dev.echostages.benchmarks.run.BareCost;
import dev.echostages.benchmarks.run.MachineFacts;
import dev.echostages.benchmarks.run.MemoryReadings;
import dev.echostages.benchmarks.run.RunFolder;
import dev.echostages.benchmarks.run.RunNotes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Quick mode, as CI runs it in {@code ./mvnw verify}: every benchmark once, against every server
 * (each a real child process), tiny settings, the memory measurement up to 1,000 connections,
 * then the report. It proves the harness and the
 * report work end to end; its numbers mean nothing (a few hundred milliseconds, no warm-up to
 * speak of) and nothing here asserts on them beyond "there is a number".
 *
 * <p>The stage servers start from their jars, which the reactor builds before this module.
 */
class QuickModeTest {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyBenchmarkMeasuresEveryServerAndTheReportIsWritten() throws Exception {
        Path out = RepoRoot.find().resolve("benchmarks/target/quick");
        Path json = out.resolve(RunFolder.JMH_FILE);
        List<String> servers = List.of(ServerKind.ALL_IDS.split(","));

        List<String> headline = BenchmarkMain.runAndReport(BenchmarkMain.quickPlans(servers), servers, BenchmarkMain.QUICK,
                "quick", out, out, List.of());

        List<String> problems = new ArrayList<>();
        List<JsonObject> results = new ArrayList<>();
        for (JsonElement element : JsonParser.parseString(Files.readString(json)).getAsJsonArray()) {
            results.add(element.getAsJsonObject());
        }
        for (String benchmark : List.of("IdleCostBenchmark", "RoundTripBenchmark", "ThroughputBenchmark")) {
            boolean echoes = !benchmark.equals("IdleCostBenchmark");
            for (String server : servers) {
                JsonObject result = results.stream()
                        .filter(r -> r.get("benchmark").getAsString().contains("." + benchmark + "."))
                        .filter(r -> r.getAsJsonObject("params").get("server").getAsString().equals(server))
                        .findFirst().orElse(null);
                if (result == null) {
                    problems.add(benchmark + " has no result for " + server);
                    continue;
                }
                if (!(result.getAsJsonObject("primaryMetric").get("score").getAsDouble() > 0)) {
                    problems.add(benchmark + "/" + server + ": no primary score");
                }
                JsonObject secondary = result.getAsJsonObject("secondaryMetrics");
                if (!secondary.has(ServerCpuProfiler.CORES)) {
                    problems.add(benchmark + "/" + server + ": no " + ServerCpuProfiler.CORES);
                }
                if (echoes && !secondary.has(ServerCpuProfiler.PER_ECHO)) {
                    problems.add(benchmark + "/" + server + ": no " + ServerCpuProfiler.PER_ECHO);
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }

        String report = Files.readString(out.resolve(ReportGenerator.REPORT_FILE));
        for (ServerKind kind : ServerKind.values()) {
            assertTrue(report.contains(kind.label()), "the report names " + kind.label());
        }
        assertFalse(report.contains("Not in this run"), report);
        assertFalse(report.contains("produced no result"), report);
        quickModeComparesNoServers(out, headline, report);
        assertTrue(RunFolder.readJson(out, RunFolder.MACHINE_FILE, MachineFacts.class).cores() > 0, "machine facts recorded");
        List<String> charts;
        try (Stream<Path> files = Files.list(out.resolve(ReportGenerator.CHART_DIR))) {
            charts = files.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".png")).toList();
        }
        // Where taskset is missing only `unpinned` runs (see PortableRunTest); the charts follow the placement.
        String placement = Portability.whyNoTaskset().isEmpty() ? "split" : "unpinned";
        for (String chart : List.of("idle-cpu.png", "roundtrip-latency-" + placement + ".png", "roundtrip-cpu-" + placement + ".png",
                "throughput-" + placement + ".png", "throughput-cpu-" + placement + ".png", "memory-per-connection.png",
                "threads-per-connection.png")) {
            assertTrue(charts.contains(chart), chart + " written, found " + charts);
            assertTrue(report.contains("(report/" + chart + ")"), "the report links " + chart);
            assertTrue(Files.size(out.resolve(ReportGenerator.CHART_DIR).resolve(chart)) > 1_000, chart + " is a real image");
        }
        assertTrue(report.contains("[README.md](../../README.md)"), "the README link works from target/quick/");

        memoryIsMeasuredAtEverySize(out, servers, report);
    }

    /**
     * Quick mode's warm-up is a fifth of a second: no JIT has settled, so it prints no comparison
     * of servers as a finding, and the report marks every one it lists.
     */
    private static void quickModeComparesNoServers(Path out, List<String> headline, String report) throws Exception {
        assertTrue(headline.stream().noneMatch(line -> line.contains("Netty") || line.contains("bare")), headline.toString());
        assertTrue(report.contains("No comparison between servers is supported by this run"), report);
        assertTrue(report.contains("_(not supported: warm-up too short)_ **Met:**")
                || report.contains("_(not supported: warm-up too short)_ **Missed:**"), report);
        BareCost cost = RunFolder.readJson(out, RunFolder.BARE_COST_FILE, BareCost.class);
        assertEquals(3, cost.pairs().size(), cost.toString());
        for (BareCost.Pair pair : cost.pairs()) {
            assertEquals(null, pair.failure(), pair.toString());
            assertEquals(BenchmarkMain.QUICK.bareCost().rounds(), pair.ratios().size(), pair.toString());
            assertTrue(pair.ratios().stream().allMatch(ratio -> ratio > 0 && Double.isFinite(ratio)), pair.toString());
        }
        assertTrue(report.contains("## 5. What the teaching code costs over its bare model"), report);
    }

    /** The memory measurement: every server at each size of quick mode, and a thread per connection shows. */
    private static void memoryIsMeasuredAtEverySize(Path out, List<String> servers, String report) throws Exception {
        MemoryReadings memory = RunFolder.readJson(out, RunFolder.MEMORY_FILE, MemoryReadings.class);
        assertEquals(List.of(), memory.failures());
        if (memory.rssSource() == null) {
            assertTrue(memory.notMeasured().stream().anyMatch(reason -> reason.startsWith("RSS:")), memory.toString());
        }
        for (String server : servers) {
            List<MemoryReadings.Row> rows = memory.rows().stream().filter(row -> row.server().equals(server)).toList();
            assertEquals(BenchmarkMain.QUICK.memorySizes(), rows.stream().map(MemoryReadings.Row::connections).toList(), server);
            for (MemoryReadings.Row row : rows) {
                // RSS may be unreadable (no /proc and no ps: Windows); then it is -1 and the report says why.
                boolean rssRead = memory.rssSource() == null ? row.rssKiB() == -1 : row.rssKiB() > 0;
                assertTrue(rssRead && row.threads() > 0 && row.heapKiB() > 0, server + ": " + row);
            }
        }
        int most = BenchmarkMain.QUICK.memorySizes().getLast();
        MemoryReadings.Row threadsAtMost = memory.rows().stream()
                .filter(row -> row.server().equals("threads") && row.connections() == most).findFirst().orElseThrow();
        assertTrue(threadsAtMost.threads() >= most, "a platform thread per connection: " + threadsAtMost);
        MemoryReadings.Row selectorAtMost = memory.rows().stream()
                .filter(row -> row.server().equals("selector") && row.connections() == most).findFirst().orElseThrow();
        assertTrue(selectorAtMost.threads() < 100, "one selector thread serves them all: " + selectorAtMost);
        assertTrue(report.contains("## 2. What an idle connection costs"), report);
        assertTrue(report.contains("threads per connection"), report);
    }
}
