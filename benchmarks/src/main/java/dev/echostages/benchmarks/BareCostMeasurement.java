package dev.echostages.benchmarks;

import dev.echostages.benchmarks.harness.EchoConnection;
import dev.echostages.benchmarks.harness.Portability;
import dev.echostages.benchmarks.harness.ServerFixture;
import dev.echostages.benchmarks.harness.ServerKind;
import dev.echostages.benchmarks.run.BareCost;
import dev.echostages.benchmarks.run.RunFolder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measurement 5, what the teaching code costs over its bare model: each stage server against the
 * bare server of its I/O model (stage 4 and a bare selector loop, stage 5's virtual threads and
 * bare virtual threads, stage 5's channels and bare NIO.2 handlers), CPU per echo.
 *
 * <p>Not JMH: the two servers of a pair must be measured alternately, window after window, so
 * that the noise of a shared machine (larger than the differences sought) falls on both alike.
 * Both servers start once per line size and are warmed up; then each round measures one and at
 * once the other (the first of the pair alternating from round to round), and the report takes
 * the median of the per-round ratios with their spread.
 *
 * <p>The load is the throughput benchmark's: one client thread keeps {@code clients} connections
 * busy, each with one line in flight; server and client are placed as in {@code split} where
 * {@code taskset} exists.
 */
public final class BareCostMeasurement {
    /** How long and how often; quick mode measures one line size, to prove the path works. */
    public record Settings(double warmupSeconds, double windowSeconds, int rounds, int clients, List<Integer> lineBytes) {
    }

    public static final Settings FULL = new Settings(3, 1.5, 5, 4, List.of(40, 1024));
    public static final Settings QUICK = new Settings(0.2, 0.2, 2, 4, List.of(40));

    static final List<List<ServerKind>> PAIRS = List.of(List.of(ServerKind.SELECTOR, ServerKind.BARE_SELECTOR),
            List.of(ServerKind.VIRTUAL, ServerKind.BARE_VIRTUAL), List.of(ServerKind.NIO2, ServerKind.BARE_NIO2));

    private BareCostMeasurement() {
    }

    /**
     * Measures the pairs whose stage server is among {@code servers}, writes them to the results
     * folder. The client runs on a thread of its own, because placing it pins the thread it runs on.
     */
    public static BareCost run(Settings settings, List<String> servers, Path resultsDir, PrintStream progress)
            throws IOException {
        List<BareCost> measured = new ArrayList<>();
        Thread client = Thread.ofPlatform().name("bare-cost-client").start(() -> measured.add(measureAll(settings, servers,
                progress)));
        try {
            client.join();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while measuring", interrupted);
        }
        if (measured.isEmpty()) {
            throw new IOException("the bare-cost measurement failed: see its stack trace above");
        }
        RunFolder.writeJson(resultsDir, RunFolder.BARE_COST_FILE, measured.getFirst());
        return measured.getFirst();
    }

    private static BareCost measureAll(Settings settings, List<String> servers, PrintStream progress) {
        String placement = Portability.whyNoTaskset().isEmpty() ? "split" : "unpinned";
        List<BareCost.Pair> pairs = new ArrayList<>();
        for (int lineBytes : settings.lineBytes()) {
            for (List<ServerKind> pair : PAIRS) {
                if (servers.contains(pair.get(0).id())) {
                    pairs.add(measure(pair.get(0).id(), pair.get(1).id(), lineBytes, placement, settings, progress));
                }
            }
        }
        return new BareCost(settings.warmupSeconds(), settings.windowSeconds(), settings.clients(), pairs);
    }

    private static BareCost.Pair measure(String stage, String bare, int lineBytes, String placement, Settings settings,
            PrintStream progress) {
        byte[] line = new byte[lineBytes];
        Arrays.fill(line, (byte) 'x');
        line[lineBytes - 1] = '\n';
        List<Double> stageMicros = new ArrayList<>();
        List<Double> bareMicros = new ArrayList<>();
        try (Load stageLoad = new Load(stage, placement, settings.clients(), line);
                Load bareLoad = new Load(bare, placement, settings.clients(), line)) {
            stageLoad.drive(settings.warmupSeconds());
            bareLoad.drive(settings.warmupSeconds());
            for (int round = 0; round < settings.rounds(); round++) {
                // Alternate which goes first, so that neither always measures right after a warm-up.
                boolean stageFirst = round % 2 == 0;
                double first = (stageFirst ? stageLoad : bareLoad).drive(settings.windowSeconds());
                double second = (stageFirst ? bareLoad : stageLoad).drive(settings.windowSeconds());
                stageMicros.add(stageFirst ? first : second);
                bareMicros.add(stageFirst ? second : first);
            }
            progress.printf(Locale.ROOT, "bare cost %-8s vs %-13s %5d B: %s vs %s us/echo%n", stage, bare, lineBytes,
                    stageMicros.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList(),
                    bareMicros.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList());
            return new BareCost.Pair(stage, bare, lineBytes, stageMicros, bareMicros, null);
        } catch (IOException | RuntimeException failed) {
            progress.println("bare cost " + stage + " vs " + bare + " FAILED: " + failed);
            return new BareCost.Pair(stage, bare, lineBytes, stageMicros, bareMicros, failed.toString());
        }
    }

    /** One server with its clients, each with one line in flight. */
    private static final class Load implements AutoCloseable {
        private final ServerFixture fixture;
        private final List<EchoConnection> connections = new ArrayList<>();
        private final byte[] line;

        Load(String server, String placement, int clients, byte[] line) throws IOException {
            this.fixture = ServerFixture.start(server, placement, 0, clients);
            this.line = line;
            try {
                for (int i = 0; i < clients; i++) {
                    EchoConnection connection = fixture.connect();
                    connections.add(connection);
                    connection.send(line);
                }
            } catch (IOException failed) {
                close();
                throw failed;
            }
        }

        /** Drives the clients for {@code seconds}; returns the server's CPU µs per echo in that window. */
        double drive(double seconds) throws IOException {
            fixture.beginIteration(); // pins this thread as a JMH iteration would
            long cpuStart = fixture.serverCpuNanos();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long echoes = 0;
            for (int next = 0; System.nanoTime() < end; next = next + 1 == connections.size() ? 0 : next + 1) {
                EchoConnection connection = connections.get(next);
                connection.expectEcho(line);
                connection.send(line);
                echoes++;
            }
            return (fixture.serverCpuNanos() - cpuStart) / 1e3 / echoes;
        }

        @Override
        public void close() throws IOException {
            for (EchoConnection connection : connections) {
                connection.close();
            }
            fixture.close();
        }
    }
}
