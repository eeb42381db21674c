package dev.echostages.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.benchmarks.BenchmarkMain;
import dev.echostages.benchmarks.harness.RepoRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One source for every number: the committed REPORT.md, its charts and the numbers the READMEs
 * quote all come from the raw results committed in {@code benchmarks/results/}. If someone edits
 * a number by hand, or commits a report without its results, these fail; the fix is
 * {@code java -jar benchmarks/target/benchmarks.jar report}.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CommittedReportTest {
    private static final Path ROOT = RepoRoot.find();
    private static final Path RESULTS = ROOT.resolve(BenchmarkMain.COMMITTED_RESULTS);
    private static final Path REPORT_DIR = ROOT.resolve(BenchmarkMain.COMMITTED_REPORT);

    @Test
    void reportIsRegeneratedByteForByteFromTheCommittedResults() throws Exception {
        String regenerated = new ReportGenerator(RESULTS, REPORT_DIR).markdown();
        assertEquals(Files.readString(REPORT_DIR.resolve(ReportGenerator.REPORT_FILE)), regenerated,
                "REPORT.md differs from what benchmarks/results gives: run `java -jar benchmarks/target/benchmarks.jar report`");
    }

    @Test
    void everyChartTheReportLinksIsCommittedAndIsDrawnFromTheSameResults(@TempDir Path elsewhere) throws Exception {
        new ReportGenerator(RESULTS, elsewhere).write();
        String report = Files.readString(REPORT_DIR.resolve(ReportGenerator.REPORT_FILE));
        Matcher link = Pattern.compile("\\]\\(" + ReportGenerator.CHART_DIR + "/([^)]+\\.png)\\)").matcher(report);
        int charts = 0;
        while (link.find()) {
            String chart = link.group(1);
            assertTrue(Files.size(REPORT_DIR.resolve(ReportGenerator.CHART_DIR).resolve(chart)) > 1_000, chart + " committed");
            // PNG bytes may differ between systems (fonts), so the redrawn chart is compared by presence and size only.
            assertTrue(Files.size(elsewhere.resolve(ReportGenerator.CHART_DIR).resolve(chart)) > 1_000, chart + " redrawn");
            charts++;
        }
        assertTrue(charts >= 5, "the report links its charts: " + charts);
        try (var committed = Files.list(REPORT_DIR.resolve(ReportGenerator.CHART_DIR))) {
            List<String> stale = committed.map(p -> p.getFileName().toString())
                    .filter(name -> !report.contains("(" + ReportGenerator.CHART_DIR + "/" + name + ")")).toList();
            assertEquals(List.of(), stale, "committed charts that the report no longer shows");
        }
    }

    @Test
    void theNumbersTheReadmesQuoteAreGeneratedFromTheCommittedResults() throws Exception {
        ReportGenerator report = new ReportGenerator(RESULTS, REPORT_DIR);
        for (var readme : List.of(List.of("README.md", ReadmeNumbers.SUMMARY), List.of("benchmarks/README.md", ReadmeNumbers.MEMORY))) {
            String text = Files.readString(ROOT.resolve(readme.get(0)));
            String block = ReadmeNumbers.block(text, readme.get(1))
                    .orElseThrow(() -> new AssertionError(readme.get(0) + " has no generated block '" + readme.get(1) + "'"));
            assertEquals(report.readmeBlock(readme.get(1)), block, readme.get(0) + ": run `java -jar benchmarks/target/benchmarks.jar report`");
        }
    }
}
