package dev.echostages.benchmarks.report;

import static dev.echostages.benchmarks.report.Md.number;
import static dev.echostages.benchmarks.report.Md.ratio;

import dev.echostages.benchmarks.run.BareCost;
import dev.echostages.benchmarks.run.BareCost.Pair;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Section 5: each stage server against the bare server of its I/O model, CPU per echo. */
final class BareCostSection {
    /** What each comparison shows, said once per pair of servers. */
    private static final Map<String, String> WHAT_IT_SHOWS = Map.of(
            "selector", "Stage 4 against a bare `select()` loop: the same readiness model, a read per ready key and "
                    + "the lines written back at once; the ratio is the price of what the echo contract asks beyond "
                    + "echoing (a line limit, an output bound, a close that drains the client, the stop and "
                    + "back-off rules) and of how stage 4 codes it.",
            "virtual", "Stage 5's virtual-thread server against a bare virtual thread per client: the same blocking "
                    + "`read` and `write` on virtual threads; the ratio is the price of the contract's limits, "
                    + "fairness and stop rules as stage 5 codes them.",
            "nio2", "Stage 5's channels server against bare NIO.2 completion handlers: the same read completing into "
                    + "a write completing into the next read; the ratio is the price of the contract's limits, "
                    + "fairness and stop rules as stage 5 codes them.");

    private BareCostSection() {
    }

    static void render(Md md, ReportData data, Findings findings) {
        md.line("## 5. What the teaching code costs over its bare model");
        md.line();
        BareCost cost = data.run().bareCost();
        if (cost == null || cost.pairs().isEmpty()) {
            md.line("_Not measured in this run._").line();
            return;
        }
        md.line(String.format(Locale.ROOT, "Each stage server against a bare server of the same I/O model (about 60 lines, "
                + "the same scan for `\\n`, no logging, no limits: `reference/Bare*EchoServer.java`). Every server starts "
                + "once per line size and is warmed up for %s s; then, round after round, each pair is measured one right "
                + "after the other (%s s each, %d clients with one line in flight each, server and client placed as in "
                + "`split` where `taskset` exists). A ratio is stage / bare within one round; the table gives the median "
                + "of the rounds and their spread (lowest to highest), because this machine's noise moves one window by "
                + "more than the differences sought here.", number(cost.warmupSeconds()), number(cost.windowSeconds()),
                cost.clients()));
        md.line();
        md.line("| stage server | bare server | line | stage µs/echo | bare µs/echo | ratio (median) | spread | rounds |");
        md.line("|---|---|---:|---:|---:|---:|---:|---:|");
        for (Pair pair : cost.pairs()) {
            if (pair.failure() != null) {
                md.line("| " + data.label(pair.stage()) + " | " + data.label(pair.bare()) + " | " + pair.lineBytes()
                        + " B | — | — | — | — | failed: " + pair.failure().lines().findFirst().orElse("") + " |");
                continue;
            }
            md.line("| " + data.label(pair.stage()) + " | " + data.label(pair.bare()) + " | " + pair.lineBytes() + " B | "
                    + number(BareCost.median(pair.stageMicros())) + " | " + number(BareCost.median(pair.bareMicros())) + " | "
                    + ratio(pair.medianRatio()) + " | " + ratio(pair.minRatio()) + "–" + ratio(pair.maxRatio()) + " | "
                    + pair.ratios().size() + " |");
        }
        md.line();
        List<String> stages = cost.pairs().stream().map(Pair::stage).distinct().toList();
        for (String stage : stages) {
            if (WHAT_IT_SHOWS.containsKey(stage)) {
                md.line("- " + WHAT_IT_SHOWS.get(stage));
            }
        }
        md.line();
        md.findings(findings.about("bare"), data.comparable());
    }
}
