package dev.echostages.benchmarks.report;

import dev.echostages.benchmarks.harness.ServerCpuProfiler;
import dev.echostages.benchmarks.harness.ServerKind;
import dev.echostages.benchmarks.run.MemoryReadings;
import dev.echostages.benchmarks.run.Results.Metric;
import dev.echostages.benchmarks.run.Results.Row;
import dev.echostages.benchmarks.run.RunFolder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToLongFunction;

/** A run's folder as the report reads it: which servers it measured, and the lookups every section needs. */
record ReportData(RunFolder run, List<String> servers) {
    static final String IDLE = "IdleCostBenchmark";
    static final String ROUND_TRIP = "RoundTripBenchmark";
    static final String THROUGHPUT = "ThroughputBenchmark";
    static final String BUSY = ServerKind.BUSYLOOP.id();
    static final String SELECTOR = ServerKind.SELECTOR.id();
    static final String NETTY = ServerKind.NETTY.id();

    /** Ours in the usual order, then outside servers in the order they were given. */
    static ReportData of(RunFolder run) {
        List<String> measured = new ArrayList<>(run.jmh().rows.stream().map(Row::server).toList());
        if (run.memory() != null) {
            run.memory().rows().forEach(row -> measured.add(row.server()));
        }
        List<String> ordered = new ArrayList<>(ServerKind.ALL_IDS_LIST.stream().filter(measured::contains).toList());
        measured.stream().distinct().filter(id -> !ordered.contains(id)).forEach(ordered::add);
        return new ReportData(run, List.copyOf(ordered));
    }

    String label(String server) {
        return ServerKind.labelOf(server);
    }

    /** False for a run whose warm-up cannot support a comparison of servers (quick mode). */
    boolean comparable() {
        return run.notes() == null || run.notes().warmEnoughToCompare();
    }

    Optional<Row> find(String benchmark, String server, String placement, int n) {
        return run.jmh().find(benchmark, server, placement, n);
    }

    Optional<Metric> cpuCores(String benchmark, String server, String placement, int n) {
        return find(benchmark, server, placement, n).flatMap(row -> row.secondary(ServerCpuProfiler.CORES));
    }

    Optional<Metric> perEcho(String benchmark, String server, String placement, int n) {
        return find(benchmark, server, placement, n).flatMap(row -> row.secondary(ServerCpuProfiler.PER_ECHO));
    }

    Optional<Metric> latency(String server, String placement, int n) {
        return find(ROUND_TRIP, server, placement, n).map(Row::primary);
    }

    Optional<Metric> echoesPerSecond(String server, String placement, int k) {
        return find(THROUGHPUT, server, placement, k).map(Row::primary);
    }

    boolean hasMemory() {
        return run.memory() != null && !run.memory().rows().isEmpty();
    }

    List<MemoryReadings.Row> memoryRows(String server) {
        return run.memory().rows().stream().filter(row -> row.server().equals(server)).toList();
    }

    Optional<MemoryReadings.Row> memoryRow(String server, int n) {
        return memoryRows(server).stream().filter(row -> row.connections() == n).findFirst();
    }

    /** Seconds to open and confirm every connection the server was given, all steps together. */
    Optional<Double> openSeconds(String server) {
        List<MemoryReadings.Row> rows = memoryRows(server);
        return rows.size() < 2 ? Optional.empty()
                : Optional.of(rows.stream().skip(1).mapToDouble(MemoryReadings.Row::openSeconds).sum());
    }

    /** (value at the most connections - value at the fewest) / the difference in connections; empty where unknown. */
    Optional<Double> perConnection(String server, ToLongFunction<MemoryReadings.Row> value) {
        List<MemoryReadings.Row> rows = memoryRows(server);
        if (rows.size() < 2) {
            return Optional.empty();
        }
        MemoryReadings.Row first = rows.getFirst();
        MemoryReadings.Row last = rows.getLast();
        long from = value.applyAsLong(first);
        long to = value.applyAsLong(last);
        if (from < 0 || to < 0 || last.connections() == first.connections()) {
            return Optional.empty();
        }
        return Optional.of((to - from) / (double) (last.connections() - first.connections()));
    }

    static Metric exact(double value) {
        return new Metric(value, Double.NaN, "", java.util.Map.of());
    }
}
