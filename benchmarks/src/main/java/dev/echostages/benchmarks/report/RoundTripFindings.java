package dev.echostages.benchmarks.report;

import static dev.echostages.benchmarks.report.Md.number;
import static dev.echostages.benchmarks.report.Md.ratio;
import static dev.echostages.benchmarks.report.ReportData.BUSY;
import static dev.echostages.benchmarks.report.ReportData.NETTY;
import static dev.echostages.benchmarks.report.ReportData.ROUND_TRIP;
import static dev.echostages.benchmarks.report.ReportData.SELECTOR;

import dev.echostages.benchmarks.run.Results.Metric;
import dev.echostages.benchmarks.run.Results.Row;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What the round-trip benchmark says: the busy loop against the selector, stage 4 against Netty, placement. */
final class RoundTripFindings {
    private RoundTripFindings() {
    }

    static void add(ReportData data, List<Finding> into) {
        List<String> placements = data.run().jmh().placements(ROUND_TRIP);
        for (String placement : placements) {
            List<Integer> sizes = data.run().jmh().sizes(ROUND_TRIP, placement);
            String topic = "roundtrip:" + placement;
            busyAgainstSelector(data, placement, sizes, topic, into);
            for (int n : sizes) {
                stage4AgainstNetty(data, placement, n, topic, into);
            }
            busyPollingVerdict(data, placement, sizes.getFirst(), topic, into);
        }
        placement(data, placements, into);
    }

    private static void busyAgainstSelector(ReportData data, String placement, List<Integer> sizes, String topic,
            List<Finding> into) {
        int most = sizes.getLast();
        int least = sizes.getFirst();
        Optional<Metric> busy = data.latency(BUSY, placement, most);
        Optional<Metric> selector = data.latency(SELECTOR, placement, most);
        Optional<Metric> busyCpu = data.perEcho(ROUND_TRIP, BUSY, placement, most);
        Optional<Metric> selectorCpu = data.perEcho(ROUND_TRIP, SELECTOR, placement, most);
        if (most == least || busy.isEmpty() || selector.isEmpty() || busyCpu.isEmpty() || selectorCpu.isEmpty()) {
            return;
        }
        into.add(Finding.fact(topic, String.format(Locale.ROOT, "With %s idle connections (`%s`) the busy loop's round trip "
                + "is %s the selector's (%s vs %s µs) and its CPU per echo %s (%s vs %s µs).", Md.count(most), placement,
                ratio(busy.get().score() / selector.get().score()), number(busy.get().score()), number(selector.get().score()),
                ratio(busyCpu.get().score() / selectorCpu.get().score()), number(busyCpu.get().score()),
                number(selectorCpu.get().score())), false, true));
        Optional<Metric> busyEmpty = data.latency(BUSY, placement, least);
        Optional<Metric> selectorEmpty = data.latency(SELECTOR, placement, least);
        if (busyEmpty.isPresent() && selectorEmpty.isPresent()) {
            into.add(Finding.fact(topic, String.format(Locale.ROOT, "From %s to %s idle connections (`%s`) the busy loop's "
                    + "latency grows %s (%s to %s µs); the selector's %s (%s to %s µs).", Md.count(least), Md.count(most),
                    placement, ratio(busy.get().score() / busyEmpty.get().score()), number(busyEmpty.get().score()),
                    number(busy.get().score()), ratio(selector.get().score() / selectorEmpty.get().score()),
                    number(selectorEmpty.get().score()), number(selector.get().score())), false, true));
        }
    }

    private static void stage4AgainstNetty(ReportData data, String placement, int n, String topic, List<Finding> into) {
        Optional<Metric> stage4 = data.latency(SELECTOR, placement, n);
        Optional<Metric> netty = data.latency(NETTY, placement, n);
        Optional<Metric> stage4Cpu = data.perEcho(ROUND_TRIP, SELECTOR, placement, n);
        Optional<Metric> nettyCpu = data.perEcho(ROUND_TRIP, NETTY, placement, n);
        if (stage4.isEmpty() || netty.isEmpty() || stage4Cpu.isEmpty() || nettyCpu.isEmpty()) {
            return;
        }
        double latencyRatio = stage4.get().score() / netty.get().score();
        double cpuRatio = stage4Cpu.get().score() / nettyCpu.get().score();
        into.add(Finding.target(topic, String.format(Locale.ROOT, "Stage 4 against Netty at N = %s (`%s`): latency %s, "
                + "CPU per echo %s (target: at most %s).", Md.count(n), placement, ratio(latencyRatio), ratio(cpuRatio),
                ratio(Findings.NETTY_TARGET)), latencyRatio <= Findings.NETTY_TARGET && cpuRatio <= Findings.NETTY_TARGET));
    }

    /** Where the busy loop wins, if it does: said from the numbers, whichever way they go. */
    private static void busyPollingVerdict(ReportData data, String placement, int n, String topic, List<Finding> into) {
        Optional<Metric> busy = data.latency(BUSY, placement, n);
        Optional<Metric> selector = data.latency(SELECTOR, placement, n);
        if (busy.isEmpty() || selector.isEmpty()) {
            return;
        }
        double b = busy.get().score();
        double s = selector.get().score();
        into.add(b < s
                ? Finding.fact(topic, String.format(Locale.ROOT, "**Where busy polling wins:** at N = %d (`%s`) the busy loop "
                        + "answers in %s µs against the selector's %s µs. It never sleeps, so no wake-up stands between the "
                        + "packet's arrival and its read. That trade (a whole core for a few microseconds) is why the kernel "
                        + "offers busy polling (`SO_BUSY_POLL`) and low-latency systems spin on a core reserved for it.%s",
                        n, placement, number(b), number(s), worstCase(data)), true, true)
                : Finding.fact(topic, String.format(Locale.ROOT, "At N = %d (`%s`) the busy loop did not beat the selector "
                        + "(%s vs %s µs): spinning only pays when the spinner has a core of its own and the peer is elsewhere.",
                        n, placement, number(b), number(s)), true, true));
    }

    /** Where the busy loop does worst against the selector in this run, as a sentence (or nothing). */
    private static String worstCase(ReportData data) {
        Row worst = null;
        double worstRatio = 1;
        for (Row busy : data.run().jmh().rows) {
            if (busy.benchmark().equals(ROUND_TRIP) && busy.server().equals(BUSY)) {
                Optional<Metric> selector = data.latency(SELECTOR, busy.placement(), busy.size());
                if (selector.isPresent() && busy.primary().score() / selector.get().score() > worstRatio) {
                    worstRatio = busy.primary().score() / selector.get().score();
                    worst = busy;
                }
            }
        }
        return worst == null ? "" : String.format(Locale.ROOT, " The price shows elsewhere: with %s idle connections "
                + "(`%s`) the busy loop is %s slower than the selector.", Md.count(worst.size()), worst.placement(),
                ratio(worstRatio));
    }

    private static void placement(ReportData data, List<String> placements, List<Finding> into) {
        if (placements.size() < 2 || placements.stream().anyMatch(p -> data.latency(SELECTOR, p, 0).isEmpty())) {
            return;
        }
        double placementSpread = data.servers().stream().mapToDouble(server -> spread(placements.stream()
                .flatMap(p -> data.latency(server, p, 0).stream()).toList())).max().orElse(Double.NaN);
        double serverSpread = placements.stream().mapToDouble(p -> spread(data.servers().stream()
                .flatMap(server -> data.latency(server, p, 0).stream()).toList())).max().orElse(Double.NaN);
        into.add(Finding.fact("placement", String.format(Locale.ROOT, "With no idle connections, moving one server between "
                + "placements changes its round trip by up to %s; in one placement, the servers differ by up to %s. "
                + "Placement matters %s than the server's design here.", ratio(placementSpread), ratio(serverSpread),
                placementSpread > serverSpread ? "more" : "less"), true, false));
    }

    /** Largest over smallest score; 1 for fewer than two. */
    private static double spread(List<Metric> metrics) {
        if (metrics.size() < 2) {
            return 1;
        }
        return metrics.stream().mapToDouble(Metric::score).max().orElseThrow()
                / metrics.stream().mapToDouble(Metric::score).min().orElseThrow();
    }
}
