package dev.echostages.benchmarks.report;

import static dev.echostages.benchmarks.report.Md.number;
import static dev.echostages.benchmarks.report.Md.ratio;
import static dev.echostages.benchmarks.report.ReportData.BUSY;
import static dev.echostages.benchmarks.report.ReportData.IDLE;
import static dev.echostages.benchmarks.report.ReportData.NETTY;
import static dev.echostages.benchmarks.report.ReportData.SELECTOR;
import static dev.echostages.benchmarks.report.ReportData.THROUGHPUT;

import dev.echostages.benchmarks.harness.ServerKind;
import dev.echostages.benchmarks.run.BareCost;
import dev.echostages.benchmarks.run.MemoryReadings;
import dev.echostages.benchmarks.run.Results.Metric;
import dev.echostages.benchmarks.run.RunNotes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every sentence the report draws from the numbers, computed from the run before any section is
 * written, so the list does not depend on rendering. Targets are listed whether met or missed.
 */
final class Findings {
    /** Stage 4 within this factor of Netty: the project's target for a teaching selector loop. */
    static final double NETTY_TARGET = 1.5;
    /** Each stage within this factor of the CPU per echo of the bare server of its model. */
    static final double BARE_TARGET = 1.25;

    private final List<Finding> all = new ArrayList<>();

    Findings(ReportData data) {
        idle(data);
        memory(data);
        RoundTripFindings.add(data, all);
        throughput(data);
        bareCost(data);
    }

    List<Finding> all() {
        return List.copyOf(all);
    }

    List<Finding> about(String topic) {
        return all.stream().filter(finding -> finding.topic().equals(topic)).toList();
    }

    List<Finding> key() {
        return all.stream().filter(Finding::key).toList();
    }

    boolean nettyTargetMissed() {
        return all.stream().anyMatch(f -> f.verdict() == Finding.Verdict.MISSED && f.text().contains("Netty"));
    }

    private void idle(ReportData data) {
        String placement = data.run().jmh().placements(IDLE).stream().findFirst().orElse("split");
        List<Integer> sizes = data.run().jmh().sizes(IDLE, placement);
        if (sizes.isEmpty()) {
            return;
        }
        int most = sizes.getLast();
        Optional<Metric> busyEmpty = data.cpuCores(IDLE, BUSY, placement, sizes.getFirst());
        Optional<Metric> busyFull = data.cpuCores(IDLE, BUSY, placement, most);
        Optional<Double> othersMax = data.servers().stream().filter(id -> !id.equals(BUSY))
                .flatMap(id -> sizes.stream().flatMap(n -> data.cpuCores(IDLE, id, placement, n).stream()))
                .map(Metric::score).max(Double::compare);
        if (busyEmpty.isPresent() && busyFull.isPresent() && othersMax.isPresent()) {
            String busyText = sizes.size() == 1
                    ? String.format(Locale.ROOT, "%.2f cores with %s silent connections", busyFull.get().score(), Md.count(most))
                    : String.format(Locale.ROOT, "%.2f cores with no connections and %.2f with %s silent ones",
                            busyEmpty.get().score(), busyFull.get().score(), Md.count(most));
            all.add(Finding.fact("idle", String.format(Locale.ROOT, "The busy loop burns %s, doing nothing; every other "
                    + "server stays at or below %.3f cores.", busyText, othersMax.get()), false, true));
        }
    }

    private void memory(ReportData data) {
        if (!data.hasMemory()) {
            return;
        }
        Optional<Double> selector = data.perConnection(SELECTOR, MemoryReadings.Row::heapKiB);
        Optional<Double> nio2 = data.perConnection(ServerKind.NIO2.id(), MemoryReadings.Row::heapKiB);
        Optional<Double> virtual = data.perConnection(ServerKind.VIRTUAL.id(), MemoryReadings.Row::heapKiB);
        if (selector.isPresent() && nio2.isPresent() && virtual.isPresent()) {
            all.add(Finding.fact("memory", String.format(Locale.ROOT, "Live heap per idle connection: stage 4's selector "
                    + "%s KiB, stage 5's NIO.2 server %s KiB, stage 5's virtual threads %s KiB.", number(selector.get()),
                    number(nio2.get()), number(virtual.get())), false, true));
        }
        String threads = ServerKind.THREADS.id();
        List<MemoryReadings.Row> rows = data.memoryRows(threads);
        Optional<Double> threadsOpen = data.openSeconds(threads);
        Optional<Double> threadsPer = data.perConnection(threads, MemoryReadings.Row::threads);
        if (rows.size() >= 2 && threadsPer.isPresent() && threadsOpen.isPresent()) {
            int opened = rows.getLast().connections() - rows.getFirst().connections();
            String text = String.format(Locale.ROOT, "A platform thread per connection: %s connections took %s s to accept "
                    + "and confirm (%s µs each) and left the process with %s threads (%.2f per connection)%s.",
                    Md.count(opened), number(threadsOpen.get()), number(threadsOpen.get() * 1e6 / opened),
                    Md.count(rows.getLast().threads()), threadsPer.get(),
                    data.perConnection(threads, MemoryReadings.Row::rssKiB).map(kib -> ", " + number(kib) + " KiB of RSS each")
                            .orElse(""));
            text += data.openSeconds(SELECTOR).map(s -> " The selector took " + number(s) + " s for the same.").orElse("");
            all.add(Finding.fact("memory", text, false, true));
        }
    }

    private void throughput(ReportData data) {
        for (String placement : data.run().jmh().placements(THROUGHPUT)) {
            List<Integer> sizes = data.run().jmh().sizes(THROUGHPUT, placement);
            int most = sizes.getLast();
            String topic = "throughput:" + placement;
            Optional<Metric> stage4 = data.echoesPerSecond(SELECTOR, placement, most);
            Optional<Metric> netty = data.echoesPerSecond(NETTY, placement, most);
            Optional<Metric> stage4Cpu = data.perEcho(THROUGHPUT, SELECTOR, placement, most);
            Optional<Metric> nettyCpu = data.perEcho(THROUGHPUT, NETTY, placement, most);
            if (stage4.isPresent() && netty.isPresent() && stage4Cpu.isPresent() && nettyCpu.isPresent()) {
                double cpuRatio = stage4Cpu.get().score() / nettyCpu.get().score();
                all.add(Finding.target(topic, String.format(Locale.ROOT, "Stage 4 against Netty with %d clients (`%s`): "
                        + "%s echoes/s, %s Netty's; CPU per echo %s Netty's (target: at most %s).", most, placement,
                        number(stage4.get().score()), ratio(stage4.get().score() / netty.get().score()), ratio(cpuRatio),
                        ratio(NETTY_TARGET)), cpuRatio <= NETTY_TARGET));
            }
            Optional<Metric> busy = data.echoesPerSecond(BUSY, placement, most);
            Optional<Metric> busyCpu = data.perEcho(THROUGHPUT, BUSY, placement, most);
            if (stage4.isPresent() && busy.isPresent() && busyCpu.isPresent() && stage4Cpu.isPresent()) {
                all.add(Finding.fact(topic, String.format(Locale.ROOT, "With %d clients (`%s`) the busy loop does %s the "
                        + "selector's echoes/s at %s its CPU per echo.", most, placement,
                        ratio(busy.get().score() / stage4.get().score()), ratio(busyCpu.get().score() / stage4Cpu.get().score())),
                        true, false));
            }
        }
    }

    private void bareCost(ReportData data) {
        BareCost cost = data.run().bareCost();
        if (cost == null) {
            return;
        }
        for (BareCost.Pair pair : cost.pairs()) {
            if (pair.ratios().isEmpty()) {
                continue;
            }
            String text = String.format(Locale.ROOT, "%s against %s, %d-byte lines: CPU per echo %s (median of %d rounds, "
                    + "%s to %s; target: at most %s).", ServerKind.labelOf(pair.stage()), ServerKind.labelOf(pair.bare()),
                    pair.lineBytes(), ratio(pair.medianRatio()), pair.ratios().size(), ratio(pair.minRatio()),
                    ratio(pair.maxRatio()), ratio(BARE_TARGET));
            // This comparison has its own warm-up: it needs no JMH warm-up, only enough of its own.
            boolean warmEnough = cost.warmupSeconds() >= RunNotes.SETTLED_SECONDS;
            all.add(new Finding("bare", text, pair.medianRatio() <= BARE_TARGET ? Finding.Verdict.MET : Finding.Verdict.MISSED,
                    !warmEnough, true));
        }
    }
}
