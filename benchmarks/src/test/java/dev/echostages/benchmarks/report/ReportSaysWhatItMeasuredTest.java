package dev.echostages.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.benchmarks.BenchmarkMain;
import dev.echostages.benchmarks.harness.RepoRoot;
import dev.echostages.benchmarks.run.RunFolder;
import dev.echostages.benchmarks.run.RunNotes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The report says only what the run measured: missing trials by name and reason, ratios with the digits they have. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ReportSaysWhatItMeasuredTest {

    @Test
    void aPlannedTrialWithoutAResultIsNamedWithJmhsReason(@TempDir Path run) throws Exception {
        Path committed = RepoRoot.find().resolve(BenchmarkMain.COMMITTED_RESULTS);
        for (String file : List.of(RunFolder.JMH_FILE, RunFolder.MEMORY_FILE, RunFolder.MACHINE_FILE)) {
            Files.copy(committed.resolve(file), run.resolve(file));
        }
        RunNotes notes = RunFolder.readJson(committed, RunFolder.NOTES_FILE, RunNotes.class);
        // A size the committed run did not measure, so that its result cannot be there already.
        RunNotes.Trial lost = new RunNotes.Trial("RoundTripBenchmark", "nio2", 20_000, "split");
        List<RunNotes.Trial> planned = new ArrayList<>(notes.planned());
        planned.add(lost);
        RunFolder.writeJson(run, RunFolder.NOTES_FILE, new RunNotes(notes.mode(), notes.warmupSeconds(), notes.placementsRun(),
                notes.whyOnlyUnpinned(), notes.cpuSource(), notes.outsideServers(), planned,
                List.of(new RunNotes.FailedTrial(lost, "java.io.IOException: refused: already serving 20,000 clients")),
                notes.gridCuts(), notes.duration()));

        String report = new ReportGenerator(run, run).markdown();

        assertTrue(report.contains("**Trials the plan ran that produced no result** (1), with JMH's reason:"), report);
        assertTrue(report.contains("- RoundTrip, stage 5 NIO.2 channels, N = 20,000, `split`: java.io.IOException: refused: "
                + "already serving 20,000 clients"), report);
    }

    @Test
    void anOutsideServersCommandIsShownAsTypedInACheckoutNotWithThisMachinesPath() {
        assertEquals("python3 benchmarks/python/asyncio_echo.py --port {port}",
                HeaderSection.asTyped("python3 '/home/someone/echo-stages/benchmarks/python/asyncio_echo.py' --port {port}"));
        assertEquals("./my_server --port {port}", HeaderSection.asTyped("./my_server --port {port}"));
    }

    @Test
    void ratiosKeepTwoOrThreeSignificantFigures() {
        assertEquals("1,000x", Md.ratio(1035.2));
        assertEquals("2,000x", Md.ratio(2020.4));
        assertEquals("28x", Md.ratio(28.4));
        assertEquals("1.53x", Md.ratio(1.534));
        assertEquals("0.71x", Md.ratio(0.7149));
        assertEquals("?", Md.ratio(Double.NaN));
    }
}
