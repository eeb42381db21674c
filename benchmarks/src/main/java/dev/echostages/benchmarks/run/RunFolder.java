package dev.echostages.benchmarks.run;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The raw results of one run, all in one folder: JMH's JSON, the run notes, the memory readings,
 * the bare-server comparison and the machine facts. The report is computed from this folder alone,
 * so a committed folder regenerates its report byte for byte on any machine.
 */
public record RunFolder(Results jmh, RunNotes notes, MemoryReadings memory, BareCost bareCost, MachineFacts machine) {
    public static final String JMH_FILE = "jmh-result.json";
    public static final String NOTES_FILE = "run-notes.json";
    public static final String MEMORY_FILE = "memory-result.json";
    public static final String BARE_COST_FILE = "bare-cost.json";
    public static final String MACHINE_FILE = "machine.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** Reads a run's folder; a file the run did not write (no memory measurement, say) reads as null. */
    public static RunFolder read(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve(JMH_FILE))) {
            throw new IOException(dir.resolve(JMH_FILE) + " is missing: is " + dir + " a run's results folder?");
        }
        return new RunFolder(new Results(dir.resolve(JMH_FILE)), readJson(dir, NOTES_FILE, RunNotes.class),
                readJson(dir, MEMORY_FILE, MemoryReadings.class), readJson(dir, BARE_COST_FILE, BareCost.class),
                readJson(dir, MACHINE_FILE, MachineFacts.class));
    }

    public static <T> T readJson(Path dir, String file, Class<T> type) throws IOException {
        Path path = dir.resolve(file);
        return Files.isRegularFile(path) ? GSON.fromJson(Files.readString(path), type) : null;
    }

    /** Pretty-printed, with a final newline, so a committed file diffs line by line. */
    public static void writeJson(Path dir, String file, Object value) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(file), GSON.toJson(value) + "\n");
    }
}
