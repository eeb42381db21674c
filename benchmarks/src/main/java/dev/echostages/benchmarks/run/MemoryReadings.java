package dev.echostages.benchmarks.run;

import java.util.List;

/** Everything one memory measurement read, with where each figure came from and why any is missing. */
public record MemoryReadings(String rssSource, String threadsSource, String heapSource, List<Row> rows,
        List<String> failures, List<String> notMeasured) {

    /** One server at one size; -1 where not measured. */
    public record Row(String server, int connections, long rssKiB, long threads, long heapKiB, long directKiB,
            double openSeconds) {
    }
}
