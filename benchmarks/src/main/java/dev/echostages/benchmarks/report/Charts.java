package dev.echostages.benchmarks.report;

import dev.echostages.benchmarks.harness.ServerKind;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn with XChart straight to PNG (headless: no display needed), or not
 * at all when the report is only being compared with a committed one.
 *
 * <p>Every chart is a category chart: servers or parameter values along x. Each server has one
 * colour and one marker in every chart (its place in {@link ServerKind}, outside servers after),
 * chosen far apart so that no two lines are told apart by hue alone. A line that stops before the
 * last category ends in a cross: no result beyond that point. Log axes are labelled at decades
 * and run from one decade to another, so their labels cannot pile up and there are always two.
 */
final class Charts {
    /** One series: a name (a server id, or any other name) and a value (or null) with its error, per category. */
    record Series(String name, List<Double> values, List<Double> errors) {
    }

    /** Okabe and Ito's colour-blind-safe palette, then two darker tones for outside servers. */
    private static final List<Color> PALETTE = List.of(new Color(0xD55E00), new Color(0x0072B2), new Color(0x009E73),
            new Color(0xCC79A7), new Color(0x000000), new Color(0xE69F00), new Color(0x56B4E9), new Color(0x8C6D31),
            new Color(0x6A3D9A), new Color(0x999933));
    private static final List<Marker> MARKERS = List.of(SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
            SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.OVAL, SeriesMarkers.RECTANGLE,
            SeriesMarkers.PLUS, SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE);

    private final Path dir;
    private final List<String> servers;
    private final List<String> written = new ArrayList<>();

    /** {@code dir} null: nothing is drawn. {@code servers}: every server of the run, which fixes its colour. */
    Charts(Path dir, List<String> servers) {
        this.dir = dir;
        List<String> order = new ArrayList<>(ServerKind.ALL_IDS_LIST);
        servers.stream().filter(id -> !order.contains(id)).forEach(order::add);
        this.servers = Collections.unmodifiableList(order);
    }

    void bars(String file, String title, String yTitle, List<String> categories, List<Series> series) throws IOException {
        save(file, chart(title, yTitle, categories, series, false, CategorySeriesRenderStyle.Bar));
    }

    /** Points without lines, for categories that are not a scale (servers) on a log axis, where XChart draws no bars. */
    void dots(String file, String title, String yTitle, List<String> categories, List<Series> series) throws IOException {
        if (dir == null) {
            return;
        }
        CategoryChart chart = chart(title, yTitle, categories, series, true, CategorySeriesRenderStyle.Scatter);
        chart.getStyler().setXAxisLabelRotation(20);
        save(file, chart);
    }

    void lines(String file, String title, String xTitle, String yTitle, List<String> categories, List<Series> series,
            boolean logY) throws IOException {
        if (dir == null) {
            return;
        }
        CategoryChart chart = chart(title, yTitle, categories, series, logY, CategorySeriesRenderStyle.Line);
        chart.setXAxisTitle(xTitle);
        chart.getStyler().setOverlapped(true); // every server's point for N sits above N, not beside it
        for (Series one : series) {
            markWhereItStops(chart, categories, one);
        }
        save(file, chart);
    }

    private CategoryChart chart(String title, String yTitle, List<String> categories, List<Series> series, boolean logY,
            CategorySeriesRenderStyle style) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(style);
        chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setYAxisDecimalPattern("#,##0.###");
        // Labels at decades only: XChart's in-between labels (2, 3 ... 9 × 10^n) print on top of
        // each other. The axis then runs from decade to decade, so it always carries two labels.
        chart.getStyler().setYAxisLogarithmicDecadeOnly(true);
        if (logY) {
            List<Double> all = series.stream().flatMap(one -> one.values().stream()).filter(v -> v != null && v > 0).toList();
            if (!all.isEmpty()) {
                chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(all.stream().min(Double::compare).get()))));
                chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(all.stream().max(Double::compare).get()))));
            }
        }
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        chart.getStyler().setMarkerSize(9);
        chart.getStyler().setXAxisLabelRotation(style == CategorySeriesRenderStyle.Bar ? 20 : 0);
        int other = 0;
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
            // XChart draws category error bars on a log axis from the wrong origin (whole-height
            // lines), so log charts go without; the report's tables carry every ± next to them.
            CategorySeries added = logY ? chart.addSeries(label(one.name()), categories, values)
                    : chart.addSeries(label(one.name()), categories, values, errors);
            int index = servers.indexOf(one.name());
            style(added, index >= 0 ? index : other++);
        }
        return chart;
    }

    /** A cross over the last point of a line that has no value in a later category. */
    private void markWhereItStops(CategoryChart chart, List<String> categories, Series one) {
        int last = -1;
        for (int i = 0; i < categories.size(); i++) {
            if (one.values().get(i) != null) {
                last = i;
            }
        }
        if (last < 0 || last == categories.size() - 1 || !chart.getSeriesMap().containsKey(label(one.name()))) {
            return;
        }
        List<Double> mark = new ArrayList<>(Collections.nCopies(categories.size(), (Double) null));
        mark.set(last, one.values().get(last));
        CategorySeries stop = chart.addSeries(label(one.name()) + " stops", categories, mark);
        stop.setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Scatter);
        stop.setMarker(SeriesMarkers.CROSS);
        stop.setMarkerColor(chart.getSeriesMap().get(label(one.name())).getMarkerColor());
        stop.setShowInLegend(false);
    }

    private String label(String name) {
        return servers.contains(name) ? ServerKind.labelOf(name) : name;
    }

    private static void style(CategorySeries series, int index) {
        Color color = PALETTE.get(index % PALETTE.size());
        series.setMarker(MARKERS.get(index % MARKERS.size()));
        series.setMarkerColor(color);
        series.setLineColor(color);
        series.setFillColor(color);
    }

    private void save(String file, CategoryChart chart) throws IOException {
        if (dir == null) {
            return;
        }
        Files.createDirectories(dir);
        BitmapEncoder.saveBitmap(chart, dir.resolve(file).toString(), BitmapFormat.PNG);
        written.add(file);
    }

    /** Deletes the charts of an earlier run that this one did not draw, so none outlives its numbers. */
    void deleteOthers() throws IOException {
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".png")).toList()) {
                if (!written.contains(file.getFileName().toString())) {
                    Files.delete(file);
                }
            }
        }
    }
}
