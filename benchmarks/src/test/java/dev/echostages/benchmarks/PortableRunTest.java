package dev.echostages.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.echostages.benchmarks.harness.RepoRoot;
import dev.echostages.benchmarks.harness.ServerCpuProfiler;
import dev.echostages.benchmarks.report.ReportGenerator;
import dev.echostages.benchmarks.run.MemoryReadings;
import dev.echostages.benchmarks.run.RunFolder;
import dev.echostages.benchmarks.run.RunNotes;
import dev.echostages.tools.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The paths a machine without {@code taskset} and {@code /proc} takes (macOS, Windows, a slim
 * container), taken here on purpose with {@code -Dechostages.portable=true}: every benchmark
 * still runs, unpinned; CPU comes from {@link ProcessHandle}; memory from {@code ps} and the
 * server JVM; and the report says which placements ran and why.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PortableRunTest {

    @AfterEach
    void backToThisMachinesOwnPaths() {
        System.clearProperty(ServerProcess.PORTABLE_PROPERTY);
    }

    @Test
    void withoutTasksetAndProcEveryBenchmarkRunsUnpinnedAndTheReportSaysWhy() throws Exception {
        System.setProperty(ServerProcess.PORTABLE_PROPERTY, "true");
        Path out = RepoRoot.find().resolve("benchmarks/target/test-portable");
        List<String> servers = List.of("selector");
        BenchmarkMain.Settings tiny = new BenchmarkMain.Settings(1, 200, 1, 300, List.of(0, 100));

        BenchmarkMain.runAndReport(BenchmarkMain.quickPlans(servers), servers, tiny, "test", out, out, List.of());

        int results = 0;
        for (JsonElement element : JsonParser.parseString(Files.readString(out.resolve("jmh-result.json"))).getAsJsonArray()) {
            var result = element.getAsJsonObject();
            assertEquals("unpinned", result.getAsJsonObject("params").get("placement").getAsString());
            assertTrue(result.getAsJsonObject("secondaryMetrics").has(ServerCpuProfiler.CORES), "CPU without /proc: " + result);
            results++;
        }
        assertEquals(3, results, "idle cost, round trip and throughput each ran");

        RunNotes notes = RunFolder.readJson(out, RunFolder.NOTES_FILE, RunNotes.class);
        assertEquals(List.of("unpinned"), notes.placementsRun());
        assertTrue(notes.whyOnlyUnpinned().contains("forced"), notes.whyOnlyUnpinned());
        assertTrue(notes.cpuSource().startsWith("ProcessHandle.info().totalCpuDuration()"), notes.cpuSource());

        MemoryReadings memory = RunFolder.readJson(out, RunFolder.MEMORY_FILE, MemoryReadings.class);
        assertTrue(memory.threadsSource().startsWith("ThreadMXBean"), memory.threadsSource());
        assertEquals(2, memory.rows().size(), memory.toString());
        assertTrue(memory.rows().stream().allMatch(row -> row.threads() > 0 && row.heapKiB() > 0), memory.toString());
        if (memory.rssSource() == null) {
            assertTrue(memory.notMeasured().stream().anyMatch(reason -> reason.startsWith("RSS:")), memory.toString());
        } else {
            assertEquals("ps -o rss= -p PID", memory.rssSource());
        }

        String report = Files.readString(out.resolve(ReportGenerator.REPORT_FILE));
        assertTrue(report.contains("Placements measured: only `unpinned`, because the portable paths are forced"), report);
        assertTrue(report.contains("read from ProcessHandle.info().totalCpuDuration()"), report);
        assertTrue(report.contains("## 2. What an idle connection costs"), report);
    }
}
