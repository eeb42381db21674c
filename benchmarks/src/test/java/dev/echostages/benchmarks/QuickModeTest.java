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
        Path json = out.resolve("jmh-result.json");
        Files.deleteIfExists(json);
        List<String> servers = List.of(ServerKind.ALL_IDS.split(","));

        BenchmarkMain.runAndReport(BenchmarkMain.quickPlans(servers), servers, BenchmarkMain.QUICK, "quick", json, out, List.of());

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
        assertFalse(report.contains("Missing from this run"), report);
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

    /** The memory measurement: every server at each size of quick mode, and a thread per connection shows. */
    private static void memoryIsMeasuredAtEverySize(Path out, List<String> servers, String report) throws Exception {
        IdleMemoryMeasurement.Result memory = IdleMemoryMeasurement.read(out.resolve(IdleMemoryMeasurement.RESULT_FILE));
        assertEquals(List.of(), memory.failures());
        for (String server : servers) {
            List<IdleMemoryMeasurement.Row> rows = memory.rows().stream().filter(row -> row.server().equals(server)).toList();
            assertEquals(BenchmarkMain.QUICK.memorySizes(), rows.stream().map(IdleMemoryMeasurement.Row::connections).toList(), server);
            for (IdleMemoryMeasurement.Row row : rows) {
                assertTrue(row.rssKiB() > 0 && row.threads() > 0 && row.heapKiB() > 0, server + ": " + row);
            }
        }
        int most = BenchmarkMain.QUICK.memorySizes().getLast();
        IdleMemoryMeasurement.Row threadsAtMost = memory.rows().stream()
                .filter(row -> row.server().equals("threads") && row.connections() == most).findFirst().orElseThrow();
        assertTrue(threadsAtMost.threads() >= most, "a platform thread per connection: " + threadsAtMost);
        IdleMemoryMeasurement.Row selectorAtMost = memory.rows().stream()
                .filter(row -> row.server().equals("selector") && row.connections() == most).findFirst().orElseThrow();
        assertTrue(selectorAtMost.threads() < 100, "one selector thread serves them all: " + selectorAtMost);
        assertTrue(report.contains("## 2. What an idle connection costs"), report);
        assertTrue(report.contains("threads per connection"), report);
    }
}
