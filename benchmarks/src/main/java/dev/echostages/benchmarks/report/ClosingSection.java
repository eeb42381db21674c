package dev.echostages.benchmarks.report;

import java.util.List;

/** The findings of the run in one list, targets met and missed side by side, and what a miss points to. */
final class ClosingSection {
    private ClosingSection() {
    }

    static void render(Md md, ReportData data, Findings findings) {
        md.line("## Findings (computed from this run)");
        md.line();
        List<Finding> key = findings.key();
        if (key.isEmpty()) {
            md.line("_Not enough results in this run to compare servers._").line();
            return;
        }
        long met = key.stream().filter(f -> f.verdict() == Finding.Verdict.MET).count();
        long missed = key.stream().filter(f -> f.verdict() == Finding.Verdict.MISSED).count();
        long unsupported = key.stream().filter(f -> f.verdict() != Finding.Verdict.NONE && f.comparison()
                && !data.comparable()).count();
        md.line("Targets: " + met + " met, " + missed + " missed" + (unsupported == 0 ? "."
                : "; " + unsupported + " of them not supported by this run, whose warm-up was too short for the servers' JITs."));
        md.line();
        md.findings(key, data.comparable());
        if (!findings.nettyTargetMissed()) {
            return;
        }
        md.line("Where stage 4 misses the Netty target, look at what differs in the code, not at the number of "
                + "system calls: stage 4 already writes once per read (every complete line of a read goes out in one "
                + "`write`), as Netty flushes once per read batch. It reads into one heap buffer, which the JDK copies "
                + "through a temporary direct buffer, and copies each line into the client's outbox; Netty reads into "
                + "pooled direct buffers. In runs with a short warm-up Netty's deeper call stack is still being compiled, "
                + "which works against Netty instead. Compare the error bars before concluding.");
        md.line();
    }
}
