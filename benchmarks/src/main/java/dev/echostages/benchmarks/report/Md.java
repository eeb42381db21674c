package dev.echostages.benchmarks.report;

import dev.echostages.benchmarks.run.Results.Metric;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** The Markdown being written, and how the report prints a number. */
final class Md {
    private final StringBuilder text = new StringBuilder();

    Md line(String line) {
        text.append(line).append('\n');
        return this;
    }

    Md line() {
        text.append('\n');
        return this;
    }

    /** A table with one row per server, its label first. */
    void table(ReportData data, String firstHeader, List<String> headers, Function<String, List<String>> cells) {
        line("| " + firstHeader + " | " + String.join(" | ", headers) + " |");
        line("|---|" + "---:|".repeat(headers.size()));
        for (String server : data.servers()) {
            line("| " + data.label(server) + " | " + String.join(" | ", cells.apply(server)) + " |");
        }
        line();
    }

    void image(String name, String alt) {
        line("![" + alt + "](" + ReportGenerator.CHART_DIR + "/" + name + ")");
        line();
    }

    void findings(List<Finding> findings, boolean comparable) {
        if (findings.isEmpty()) {
            return;
        }
        for (Finding finding : findings) {
            line("- " + finding.render(comparable));
        }
        line();
    }

    @Override
    public String toString() {
        return text.toString();
    }

    /** Three significant digits, without scientific notation for the sizes we meet. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "?";
        }
        double magnitude = Math.abs(value);
        if (magnitude >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (magnitude >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (magnitude >= 1) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }

    /**
     * A ratio with as many digits as a run with error bars of ten to twenty percent supports:
     * three significant figures between 1 and 10 ("1.53x"), two elsewhere ("28x", "1,000x", "0.71x").
     */
    static String ratio(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "?";
        }
        int digits = value >= 1 && value < 10 ? 3 : 2;
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(digits));
        String plain = rounded.scale() > 0 ? rounded.toPlainString() : String.format(Locale.ROOT, "%,d", rounded.longValueExact());
        return plain + "x";
    }

    static String plusMinus(Metric metric) {
        return Double.isNaN(metric.error()) ? number(metric.score()) : number(metric.score()) + " ± " + number(metric.error());
    }

    static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
