package dev.echostages.benchmarks.run;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** JMH's JSON results, read into what the report needs and nothing more. */
public final class Results {

    /** A score with JMH's error (half-width of the 99.9% confidence interval; NaN with one iteration). */
    public record Metric(double score, double error, String unit, Map<String, Double> percentiles) {
        public double percentile(String which) {
            return percentiles.getOrDefault(which, Double.NaN);
        }
    }

    /** One benchmark, one parameter combination. */
    public record Row(String benchmark, String server, String placement, int size, Metric primary, Map<String, Metric> secondary) {
        public Optional<Metric> secondary(String name) {
            return Optional.ofNullable(secondary.get(name));
        }
    }

    public final List<Row> rows = new ArrayList<>();
    /** JMH's run settings, taken from the first result (all runs of a mode share them). */
    public final JsonObject settings;

    public Results(Path json) throws IOException {
        JsonArray array = JsonParser.parseString(Files.readString(json)).getAsJsonArray();
        settings = array.isEmpty() ? new JsonObject() : array.get(0).getAsJsonObject();
        for (JsonElement element : array) {
            JsonObject result = element.getAsJsonObject();
            String benchmark = result.get("benchmark").getAsString();
            benchmark = benchmark.substring(0, benchmark.lastIndexOf('.'));
            benchmark = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            JsonObject params = result.getAsJsonObject("params");
            int size = params.has("idleConnections") ? params.get("idleConnections").getAsInt()
                    : params.has("clients") ? params.get("clients").getAsInt() : 0;
            Map<String, Metric> secondary = new LinkedHashMap<>();
            JsonObject secondaries = result.getAsJsonObject("secondaryMetrics");
            if (secondaries != null) {
                for (String name : secondaries.keySet()) {
                    secondary.put(name, metric(secondaries.getAsJsonObject(name)));
                }
            }
            rows.add(new Row(benchmark, params.get("server").getAsString(), params.get("placement").getAsString(),
                    size, metric(result.getAsJsonObject("primaryMetric")), secondary));
        }
    }

    private static Metric metric(JsonObject json) {
        Map<String, Double> percentiles = new LinkedHashMap<>();
        JsonObject percentileJson = json.getAsJsonObject("scorePercentiles");
        if (percentileJson != null) {
            for (String key : percentileJson.keySet()) {
                percentiles.put(key, number(percentileJson.get(key)));
            }
        }
        return new Metric(number(json.get("score")), number(json.get("scoreError")), json.get("scoreUnit").getAsString(), percentiles);
    }

    /** JMH writes "NaN" as a string when a number has no value (one iteration has no error). */
    private static double number(JsonElement element) {
        if (element == null || element.isJsonNull()) {
            return Double.NaN;
        }
        return element.getAsJsonPrimitive().isNumber() ? element.getAsDouble() : Double.parseDouble(element.getAsString());
    }

    public Optional<Row> find(String benchmark, String server, String placement, int size) {
        return rows.stream().filter(row -> row.benchmark().equals(benchmark) && row.server().equals(server)
                && row.placement().equals(placement) && row.size() == size).findFirst();
    }

    public List<String> placements(String benchmark) {
        List<String> order = List.of("split", "same-core", "unpinned");
        return rows.stream().filter(row -> row.benchmark().equals(benchmark)).map(Row::placement).distinct()
                .sorted(Comparator.comparingInt(order::indexOf)).toList();
    }

    public List<Integer> sizes(String benchmark, String placement) {
        return rows.stream().filter(row -> row.benchmark().equals(benchmark) && row.placement().equals(placement))
                .map(Row::size).distinct().sorted().toList();
    }

    public String setting(String name) {
        JsonElement value = settings.get(name);
        return value == null ? "?" : value.getAsString();
    }
}
