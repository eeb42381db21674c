package dev.echostages.benchmarks.report;

import static dev.echostages.benchmarks.report.Md.number;
import static dev.echostages.benchmarks.report.ReportData.ROUND_TRIP;
import static dev.echostages.benchmarks.report.ReportData.THROUGHPUT;

import dev.echostages.benchmarks.harness.Placement;
import dev.echostages.benchmarks.harness.ServerCpuProfiler;
import dev.echostages.benchmarks.report.Charts.Series;
import dev.echostages.benchmarks.run.Results.Metric;
import dev.echostages.benchmarks.run.Results.Row;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Sections 3 and 4: the servers under load, one active client among idle ones, then K busy clients. */
final class LoadSections {
    private LoadSections() {
    }

    private interface Lookup {
        Optional<Metric> at(String server, int size);
    }

    static void roundTrip(Md md, ReportData data, Findings findings, Charts charts) throws IOException {
        md.line("## 3. Echo round trip: one active client, N idle connections");
        md.line();
        List<String> placements = data.run().jmh().placements(ROUND_TRIP);
        if (placements.isEmpty()) {
            md.line("_Not measured in this run._").line();
            return;
        }
        md.line("One client sends a 44-byte line and waits for its echo, sampled per echo. Latency in µs; server CPU "
                + "in µs per echo. In the charts a cross marks where a server's line stops: no result beyond it.");
        md.line();
        for (String placement : placements) {
            List<Integer> sizes = data.run().jmh().sizes(ROUND_TRIP, placement);
            md.line("### Placement `" + placement + "`: " + Placement.byId(placement).describe());
            md.line();
            md.line("| server | N idle | latency avg | p50 | p99 | p99.9 | server CPU per echo |");
            md.line("|---|---:|---:|---:|---:|---:|---:|");
            for (String server : data.servers()) {
                for (int n : sizes) {
                    data.find(ROUND_TRIP, server, placement, n).ifPresent(row -> md.line("| " + data.label(server) + " | "
                            + Md.count(n) + " | " + Md.plusMinus(row.primary()) + " | " + number(row.primary().percentile("50.0"))
                            + " | " + number(row.primary().percentile("99.0")) + " | " + number(row.primary().percentile("99.9"))
                            + " | " + row.secondary(ServerCpuProfiler.PER_ECHO).map(Md::plusMinus).orElse("—") + " |"));
                }
            }
            md.line();
            List<String> categories = sizes.stream().map(String::valueOf).toList();
            String latencyChart = "roundtrip-latency-" + placement + ".png";
            charts.lines(latencyChart, "Round-trip latency vs idle connections (" + placement + ")", "idle connections",
                    "µs (log scale)", categories, serverSeries(data, sizes, (s, n) -> data.latency(s, placement, n)), true);
            String cpuChart = "roundtrip-cpu-" + placement + ".png";
            charts.lines(cpuChart, "Server CPU per echo vs idle connections (" + placement + ")", "idle connections",
                    "µs of server CPU per echo (log scale)", categories,
                    serverSeries(data, sizes, (s, n) -> data.perEcho(ROUND_TRIP, s, placement, n)), true);
            md.image(latencyChart, "round-trip latency, " + placement);
            md.image(cpuChart, "server CPU per echo, " + placement);
            md.findings(findings.about("roundtrip:" + placement), data.comparable());
        }
        placementComparison(md, data, findings, charts, placements);
    }

    private static void placementComparison(Md md, ReportData data, Findings findings, Charts charts, List<String> placements)
            throws IOException {
        if (findings.about("placement").isEmpty()) {
            return;
        }
        md.line("### Placement against server design");
        md.line();
        md.findings(findings.about("placement"), data.comparable());
        md.line("Average round trip with no idle connections, per placement:");
        md.line();
        md.table(data, "server", placements.stream().map(p -> "`" + p + "`").toList(), server -> placements.stream()
                .map(p -> data.latency(server, p, 0).map(Md::plusMinus).orElse("—")).toList());
        charts.dots("placement.png", "Round trip at N = 0 by placement", "µs (log scale)",
                data.servers().stream().map(data::label).toList(), placements.stream()
                        .map(p -> IdleAndMemorySections.series(p, data.servers(), s -> data.latency(s, p, 0))).toList());
        md.image("placement.png", "latency by placement");
        md.line("A server that sleeps in the kernel is woken cheaply when its client runs on the same core (the client's "
                + "own system call does the wake-up and then yields), and pays for an inter-processor wake-up when the "
                + "client is on another core. A spinner is the opposite: on another core it never sleeps, on the same "
                + "core it fights its own client for the CPU.");
        md.line();
    }

    static void throughput(Md md, ReportData data, Findings findings, Charts charts) throws IOException {
        md.line("## 4. Throughput: K clients, each with one line always in flight");
        md.line();
        List<String> placements = data.run().jmh().placements(THROUGHPUT);
        if (placements.isEmpty()) {
            md.line("_Not measured in this run._").line();
            return;
        }
        md.line("One client thread keeps K connections busy: it reads connection i's echo and sends it the next line.");
        md.line();
        for (String placement : placements) {
            List<Integer> sizes = data.run().jmh().sizes(THROUGHPUT, placement);
            md.line("### Placement `" + placement + "`: " + Placement.byId(placement).describe());
            md.line();
            md.line("| server | K clients | echoes/s | server CPU per echo (µs) | server CPU (cores) |");
            md.line("|---|---:|---:|---:|---:|");
            for (String server : data.servers()) {
                for (int k : sizes) {
                    data.find(THROUGHPUT, server, placement, k).ifPresent(row -> md.line("| " + data.label(server) + " | " + k
                            + " | " + Md.plusMinus(row.primary()) + " | "
                            + row.secondary(ServerCpuProfiler.PER_ECHO).map(Md::plusMinus).orElse("—") + " | "
                            + row.secondary(ServerCpuProfiler.CORES).map(Md::plusMinus).orElse("—") + " |"));
                }
            }
            md.line();
            List<String> categories = sizes.stream().map(String::valueOf).toList();
            String echoesChart = "throughput-" + placement + ".png";
            charts.lines(echoesChart, "Throughput vs concurrent clients (" + placement + ")", "clients", "echoes per second",
                    categories, serverSeries(data, sizes, (s, k) -> data.find(THROUGHPUT, s, placement, k).map(Row::primary)),
                    false);
            String cpuChart = "throughput-cpu-" + placement + ".png";
            charts.lines(cpuChart, "Server CPU per echo vs concurrent clients (" + placement + ")", "clients",
                    "µs of server CPU per echo (log scale)", categories,
                    serverSeries(data, sizes, (s, k) -> data.perEcho(THROUGHPUT, s, placement, k)), true);
            md.image(echoesChart, "throughput, " + placement);
            md.image(cpuChart, "CPU per echo under load, " + placement);
            md.findings(findings.about("throughput:" + placement), data.comparable());
        }
    }

    /** One series per server (named by its id, which fixes its colour), one point per size. */
    private static List<Series> serverSeries(ReportData data, List<Integer> sizes, Lookup lookup) {
        return data.servers().stream().map(server -> {
            List<Double> values = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            for (int size : sizes) {
                Optional<Metric> metric = lookup.at(server, size);
                values.add(metric.map(Metric::score).orElse(null));
                errors.add(metric.map(Metric::error).orElse(null));
            }
            return new Series(server, values, errors);
        }).toList();
    }
}
