package dev.echostages.benchmarks.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * The report's charts, drawn with XChart straight to PNG (headless: no display needed).
 *
 * <p>Every chart is a category chart: servers or parameter values along x, one series per
 * server or per parameter value, JMH's error as error bars on linear axes. Idle connections (0, 100, 1000) are
 * categories rather than numbers, which spaces them evenly, as a log axis would, and keeps 0.
 */
final class Charts {
    private Charts() {
    }

    /** One series: a name and a value (or null when not measured) with its error, per category. */
    record Series(String name, List<Double> values, List<Double> errors) {
    }

    static void bars(Path file, String title, String yTitle, List<String> categories, List<Series> series, boolean logY)
            throws IOException {
        save(file, chart(title, yTitle, categories, series, logY, CategorySeriesRenderStyle.Bar));
    }

    /** Points without lines, for categories that are not a scale (servers) on a log axis, where XChart draws no bars. */
    static void dots(Path file, String title, String yTitle, List<String> categories, List<Series> series) throws IOException {
        CategoryChart chart = chart(title, yTitle, categories, series, true, CategorySeriesRenderStyle.Scatter);
        chart.getStyler().setXAxisLabelRotation(20);
        save(file, chart);
    }

    static void lines(Path file, String title, String xTitle, String yTitle, List<String> categories, List<Series> series,
            boolean logY) throws IOException {
        CategoryChart chart = chart(title, yTitle, categories, series, logY, CategorySeriesRenderStyle.Line);
        chart.setXAxisTitle(xTitle);
        chart.getStyler().setOverlapped(true); // every server's point for N sits above N, not beside it
        save(file, chart);
    }

    private static CategoryChart chart(String title, String yTitle, List<String> categories, List<Series> series,
            boolean logY, CategorySeriesRenderStyle style) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(style);
        chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisLogarithmic(logY);
        // Label 20, 50, 200... too, not only the decades: most values here lie between two of them.
        chart.getStyler().setYAxisLogarithmicDecadeOnly(false);
        chart.getStyler().setYAxisDecimalPattern("#,##0.###");
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        chart.getStyler().setXAxisLabelRotation(style == CategorySeriesRenderStyle.Bar ? 20 : 0);
        for (Series one : series) {
            List<Double> values = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            for (int i = 0; i < categories.size(); i++) {
                Double value = one.values().get(i);
                Double error = one.errors().get(i);
                // A log axis cannot show 0; missing points stay gaps.
                values.add(value != null && logY && value <= 0 ? null : value);
                errors.add(value == null || error == null || error.isNaN() ? 0.0 : error);
            }
            if (values.stream().allMatch(v -> v == null)) {
                continue;
            }
            if (logY) {
                // XChart draws category error bars on a log axis from the wrong origin (whole-height
                // lines), so log charts go without; the report's tables carry every ± next to them.
                chart.addSeries(one.name(), categories, values);
            } else {
                chart.addSeries(one.name(), categories, values, errors);
            }
        }
        return chart;
    }

    private static void save(Path file, CategoryChart chart) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapFormat.PNG);
    }
}
