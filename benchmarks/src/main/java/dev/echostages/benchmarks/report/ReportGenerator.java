package dev.echostages.benchmarks.report;

import dev.echostages.benchmarks.harness.RepoRoot;
import dev.echostages.benchmarks.run.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes {@code REPORT.md} and the PNG charts it links from one run's results folder
 * ({@link RunFolder}), and the numbers the READMEs quote from it ({@link ReadmeNumbers}).
 *
 * <p>The findings are computed first, from the results alone; the sections then render tables,
 * charts and those findings. Nothing read from the machine generating the report goes into it,
 * so the same folder gives the same REPORT.md byte for byte anywhere.
 */
public final class ReportGenerator {
    public static final String REPORT_FILE = "REPORT.md";
    public static final String CHART_DIR = "report";

    private final Path resultsDir;
    private final Path outputDir;
    private final ReportData data;
    private final Findings findings;

    public ReportGenerator(Path resultsDir, Path outputDir) throws IOException {
        this.resultsDir = resultsDir;
        this.outputDir = outputDir;
        this.data = ReportData.of(RunFolder.read(resultsDir));
        this.findings = new Findings(data);
    }

    /**
     * The headline findings for the launcher to print, as plain text; none when the run's warm-up
     * cannot support a comparison of servers, only the facts that need none.
     */
    public List<String> headline() {
        return findings.key().stream().filter(f -> data.comparable() || !f.comparison())
                .map(f -> f.render(true).replace("**", "").replace("`", "")).toList();
    }

    /** REPORT.md's text, without drawing a chart. */
    public String markdown() throws IOException {
        return render(new Charts(null, data.servers()));
    }

    /** Writes REPORT.md and the charts into the output folder. */
    public void write() throws IOException {
        // XChart draws with AWT; headless mode needs no display (CI, ssh).
        System.setProperty("java.awt.headless", "true");
        Charts charts = new Charts(outputDir.resolve(CHART_DIR), data.servers());
        Files.writeString(outputDir.resolve(REPORT_FILE), render(charts));
        charts.deleteOthers();
    }

    /** The README block {@code name} ({@link ReadmeNumbers#SUMMARY}, {@link ReadmeNumbers#MEMORY}) from this run. */
    public String readmeBlock(String name) {
        return switch (name) {
            case ReadmeNumbers.SUMMARY -> ReadmeNumbers.summary(data, findings);
            case ReadmeNumbers.MEMORY -> ReadmeNumbers.memory(data);
            default -> throw new IllegalArgumentException("no README block '" + name + "'");
        };
    }

    private String render(Charts charts) throws IOException {
        Md md = new Md();
        HeaderSection.render(md, data, displayPath(resultsDir), readmeLink());
        IdleAndMemorySections.idle(md, data, findings, charts);
        IdleAndMemorySections.memory(md, data, findings, charts);
        LoadSections.roundTrip(md, data, findings, charts);
        LoadSections.throughput(md, data, findings, charts);
        BareCostSection.render(md, data, findings);
        ClosingSection.render(md, data, findings);
        return md.toString();
    }

    /**
     * The module's README as seen from wherever the report is written (benchmarks/, target/quick/,
     * a temporary directory), so the link works in each; an absolute path outside the repository.
     */
    private String readmeLink() {
        try {
            Path readme = RepoRoot.find().resolve("benchmarks").resolve("README.md").toAbsolutePath().normalize();
            Path from = outputDir.toAbsolutePath().normalize();
            String target = from.getRoot().equals(readme.getRoot()) ? from.relativize(readme).toString().replace('\\', '/')
                    : readme.toUri().toString();
            return "[README.md](" + target + ")";
        } catch (IllegalStateException outsideRepository) {
            return "the benchmarks module's README.md"; // no checkout to link into: name it instead
        }
    }

    /** The results folder as a reader would type it: relative to the repository root when inside it, with '/'. */
    private static String displayPath(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        try {
            Path root = RepoRoot.find();
            return (absolute.startsWith(root) ? root.relativize(absolute) : absolute).toString().replace('\\', '/');
        } catch (IllegalStateException outsideRepository) {
            return absolute.toString(); // a report regenerated elsewhere: the full path is the honest answer
        }
    }
}
