package dev.echostages.benchmarks;

import dev.echostages.benchmarks.harness.Portability;
import dev.echostages.benchmarks.harness.ServerFixture;
import dev.echostages.benchmarks.harness.ServerMemoryProbe;
import dev.echostages.benchmarks.harness.ServerMemoryProbe.Reading;
import dev.echostages.benchmarks.run.MemoryReadings;
import dev.echostages.benchmarks.run.MemoryReadings.Row;
import dev.echostages.benchmarks.run.RunFolder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measurement 4, what an idle connection costs in memory and threads: the server's RSS, thread
 * count and live heap with N = 0, 1,000 and 10,000 silent connections, from which the report
 * computes KiB and threads per connection.
 *
 * <p>Not a JMH benchmark, on purpose: a reading is a state, not a rate, and repeating it gives the
 * same number, so JMH's iterations and forks would only add minutes. Each server starts once and
 * its connections grow from one size to the next, every one confirmed by an echo (so the server
 * has accepted it and is waiting on it), and the time each step took is kept: for a thread per
 * connection that is the time to start 10,000 platform threads.
 *
 * <p>What to expect: a selector (stage 4, Netty) holds no buffer for a client that sends nothing,
 * only its channel and selection key; stage 5's NIO.2 server has a read pending on every
 * connection, and a completion-based read needs its buffer the whole time it waits; a virtual
 * thread blocked in {@code read} keeps its buffer on its stack, which lives on the heap.
 */
public final class IdleMemoryMeasurement {
    private IdleMemoryMeasurement() {
    }

    public static MemoryReadings run(List<String> servers, List<Integer> sizes, Path resultsDir, PrintStream progress) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        List<String> notMeasured = new ArrayList<>();
        String rssSource = ServerMemoryProbe.rssSource();
        if (rssSource == null) {
            notMeasured.add("RSS: " + ServerMemoryProbe.whyNoRss());
        }
        for (String server : servers) {
            long started = System.nanoTime();
            // Unpinned: memory does not depend on placement, and every system can run it.
            try (ServerFixture fixture = ServerFixture.start(server, "unpinned", 0, sizes.getLast());
                    ServerMemoryProbe probe = ServerMemoryProbe.attach(fixture.pid())) {
                probe.whyNoHeap().ifPresent(why -> notMeasured.add("live heap of `" + server + "`: " + why));
                StringBuilder line = new StringBuilder();
                for (int size : sizes) {
                    long nanos = fixture.addIdleConnections(size - fixture.idleConnections());
                    Reading reading = probe.read();
                    rows.add(new Row(server, size, reading.rssKiB(), reading.threads(), reading.heapKiB(),
                            reading.directKiB(), nanos / 1e9));
                    line.append(String.format(Locale.ROOT, "  N=%,d: %s RSS, %s threads%s", size,
                            reading.rssKiB() < 0 ? "?" : String.format(Locale.ROOT, "%,d KiB", reading.rssKiB()),
                            reading.threads() < 0 ? "?" : Long.toString(reading.threads()),
                            size == 0 ? "" : String.format(Locale.ROOT, " (opened in %.1f s)", nanos / 1e9)));
                }
                progress.printf(Locale.ROOT, "memory %-10s%s  [%.1f s]%n", server, line, (System.nanoTime() - started) / 1e9);
            } catch (IOException | RuntimeException failed) {
                // One server failing (an outside one that dies at 5,000 connections) must not lose the others.
                String message = server + ": " + failed;
                failures.add(message);
                progress.println("memory " + server + " FAILED: " + failed);
            }
        }
        String heapSource = "MemoryMXBean after a full GC the harness asks for (Attach API, local JMX agent)";
        MemoryReadings result = new MemoryReadings(rssSource, ServerMemoryProbe.threadsSource(), heapSource, rows, failures,
                notMeasured);
        RunFolder.writeJson(resultsDir, RunFolder.MEMORY_FILE, result);
        return result;
    }
}
