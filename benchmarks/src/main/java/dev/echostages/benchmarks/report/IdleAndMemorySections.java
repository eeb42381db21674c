package dev.echostages.benchmarks.report;

import static dev.echostages.benchmarks.report.Md.number;
import static dev.echostages.benchmarks.report.ReportData.IDLE;

import dev.echostages.benchmarks.report.Charts.Series;
import dev.echostages.benchmarks.run.MemoryReadings;
import dev.echostages.benchmarks.run.Results.Metric;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/** Sections 1 and 2: what a silent connection costs, in CPU and then in memory and threads. */
final class IdleAndMemorySections {
    private IdleAndMemorySections() {
    }

    static void idle(Md md, ReportData data, Findings findings, Charts charts) throws IOException {
        md.line("## 1. Idle cost: server CPU while N connections say nothing");
        md.line();
        // Split where taskset could pin; unpinned where it could not (the idle client only sleeps, so either serves).
        String placement = data.run().jmh().placements(IDLE).stream().findFirst().orElse("split");
        List<Integer> sizes = data.run().jmh().sizes(IDLE, placement);
        if (sizes.isEmpty()) {
            md.line("_Not measured in this run._").line();
            return;
        }
        md.line("Server CPU time / wall time (1.0 = one core busy all the time).").line();
        md.table(data, "server", sizes.stream().map(n -> "N = " + Md.count(n)).toList(), server -> sizes.stream()
                .map(n -> data.cpuCores(IDLE, server, placement, n).map(Md::plusMinus).orElse("—")).toList());
        charts.bars("idle-cpu.png", "Idle cost: server CPU with N silent connections", "cores",
                data.servers().stream().map(data::label).toList(),
                sizes.stream().map(n -> series("N = " + n, data.servers(), s -> data.cpuCores(IDLE, s, placement, n))).toList());
        md.image("idle-cpu.png", "idle CPU per server");
        md.findings(findings.about("idle"), data.comparable());
    }

    static void memory(Md md, ReportData data, Findings findings, Charts charts) throws IOException {
        md.line("## 2. What an idle connection costs: memory and threads");
        md.line();
        MemoryReadings memory = data.run().memory();
        if (!data.hasMemory()) {
            md.line("_Not measured in this run._" + (memory == null ? "" : " " + String.join("; ", memory.failures())));
            md.line();
            return;
        }
        List<Integer> sizes = memory.rows().stream().map(MemoryReadings.Row::connections).distinct().sorted().toList();
        int most = sizes.getLast();
        int least = sizes.getFirst();
        md.line("Each server starts once; its silent connections grow from " + String.join(" to ", sizes.stream()
                .map(Md::count).toList()) + ", each confirmed by an echo (accepted, and waiting for its next line). At each "
                + "size the harness asks the server JVM for a full GC, then reads its live heap and direct buffers, its RSS "
                + "and its threads. \"Open\" is how long the step took to open and confirm its connections.");
        md.line();
        md.line("- live heap: " + memory.heapSource());
        md.line("- RSS: " + (memory.rssSource() == null ? "not measured" : memory.rssSource()));
        md.line("- threads: " + memory.threadsSource());
        md.line();
        memory.notMeasured().forEach(reason -> md.line("- Not measured: " + reason + "."));
        memory.failures().forEach(failure -> md.line("- **Failed:** " + failure.lines().findFirst().orElse(failure)));
        if (!memory.notMeasured().isEmpty() || !memory.failures().isEmpty()) {
            md.line();
        }
        md.line("| server | N idle | RSS (MiB) | threads | live heap (MiB) | direct buffers (KiB) | open (s) |");
        md.line("|---|---:|---:|---:|---:|---:|---:|");
        for (String server : data.servers()) {
            for (int n : sizes) {
                data.memoryRow(server, n).ifPresent(row -> md.line("| " + data.label(server) + " | " + Md.count(n) + " | "
                        + known(row.rssKiB(), v -> number(v / 1024.0)) + " | " + known(row.threads(), Long::toString) + " | "
                        + known(row.heapKiB(), v -> number(v / 1024.0)) + " | " + known(row.directKiB(), Md::count) + " | "
                        + (n == least ? "—" : number(row.openSeconds())) + " |"));
            }
        }
        md.line();
        if (most == least) {
            return;
        }
        md.line(String.format(Locale.ROOT, "Per idle connection, from %s to %s connections (difference / %s):",
                Md.count(least), Md.count(most), Md.count(most - least)));
        md.line();
        md.table(data, "server", List.of("RSS KiB per connection", "live heap KiB per connection", "threads per connection",
                "µs to open one (of " + Md.count(most - least) + ")"), server -> List.of(
                data.perConnection(server, MemoryReadings.Row::rssKiB).map(Md::number).orElse("—"),
                data.perConnection(server, MemoryReadings.Row::heapKiB).map(Md::number).orElse("—"),
                data.perConnection(server, MemoryReadings.Row::threads).map(v -> String.format(Locale.ROOT, "%.3f", v)).orElse("—"),
                data.openSeconds(server).map(seconds -> number(seconds * 1e6 / (most - least))).orElse("—")));
        List<String> labels = data.servers().stream().map(data::label).toList();
        charts.dots("memory-per-connection.png", "KiB per idle connection (" + Md.count(least) + " to " + Md.count(most)
                + " connections)", "KiB per connection (log scale)", labels, List.of(
                series("RSS", data.servers(), s -> data.perConnection(s, MemoryReadings.Row::rssKiB).map(ReportData::exact)),
                series("live heap", data.servers(), s -> data.perConnection(s, MemoryReadings.Row::heapKiB).map(ReportData::exact))));
        md.image("memory-per-connection.png", "KiB per idle connection");
        charts.bars("threads-per-connection.png", "Threads per idle connection (" + Md.count(least) + " to " + Md.count(most)
                + " connections)", "threads per connection", labels, List.of(series("threads", data.servers(),
                s -> data.perConnection(s, MemoryReadings.Row::threads).map(ReportData::exact))));
        md.image("threads-per-connection.png", "threads per idle connection");
        md.findings(findings.about("memory"), data.comparable());
    }

    /** One series with one point per server. */
    static Series series(String name, List<String> servers, Function<String, Optional<Metric>> lookup) {
        List<Double> values = new ArrayList<>();
        List<Double> errors = new ArrayList<>();
        for (String server : servers) {
            Optional<Metric> metric = lookup.apply(server);
            values.add(metric.map(Metric::score).orElse(null));
            errors.add(metric.map(Metric::error).orElse(null));
        }
        return new Series(name, values, errors);
    }

    private static String known(long value, java.util.function.LongFunction<String> format) {
        return value < 0 ? "—" : format.apply(value);
    }
}
