package dev.echostages.benchmarks.run;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * What the teaching code costs over its bare model: for each stage server and the bare server of
 * its I/O model, the server's CPU per echo in several interleaved rounds, per line size.
 */
public record BareCost(double warmupSeconds, double windowSeconds, int clients, List<Pair> pairs) {

    /** One stage against its bare server at one line size; one value per round, in the order measured. */
    public record Pair(String stage, String bare, int lineBytes, List<Double> stageMicros, List<Double> bareMicros,
            String failure) {

        /** stage / bare, round by round (each round measured both, one right after the other). */
        public List<Double> ratios() {
            return IntStream.range(0, Math.min(stageMicros.size(), bareMicros.size()))
                    .mapToObj(i -> stageMicros.get(i) / bareMicros.get(i)).toList();
        }

        public double medianRatio() {
            return median(ratios());
        }

        public double minRatio() {
            return ratios().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        public double maxRatio() {
            return ratios().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }
    }

    public static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}
