package dev.echostages.tools.testing;

import dev.echostages.tools.ServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * For README transcripts whose numbers measure the machine (loop passes per second, CPU
 * percentages) or whose timing a loaded machine shifts: {@link ReadmeTranscripts} masks clock
 * times, ports and durations, but a busy loop's passes per second differ on every run. Such a block
 * keeps the numbers of the run that wrote it, as long as today's run prints the same lines with only
 * those numbers changed; a changed word, a missing line or an extra one still shows as a drift.
 */
public final class Measured {
    /** Numbers that measure the machine, not the code: passes per second and CPU percentages. */
    public static final Pattern MACHINE_NUMBERS = Pattern.compile("[\\d,]+(?= loop passes/s)|\\d+(?=% of a core)");

    private Measured() {
    }

    /** The lines of a README block as it stands, or an empty list when there is none yet. */
    public static List<String> shown(String block) throws IOException {
        List<String> lines = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8).replace("\r\n", "\n").lines().toList();
        int open = lines.indexOf("<!-- transcript:" + block + " -->");
        if (open < 0) {
            return List.of();
        }
        int fence = open + 1;
        while (!lines.get(fence).startsWith("```")) {
            fence++;
        }
        int close = fence + 1;
        while (!lines.get(close).strip().equals("```")) {
            close++;
        }
        return lines.subList(fence + 1, close);
    }

    /**
     * Today's {@code actual} output, or the README's block unchanged when the two differ only in the
     * numbers {@code measured} finds, in the order of lines (when {@code anyOrder}: lines a loaded
     * machine may reorder), and in how many lines {@code repeating} matches (a stats line or idle
     * tick per second: how many fall into a scenario depends on the machine's timing, at least one).
     */
    public static String keepRecorded(String block, String actual, Pattern measured, boolean anyOrder, Predicate<String> repeating)
            throws IOException {
        List<String> shown = shown(block);
        List<String> now = actual.stripTrailing().lines().toList();
        if (shape(shown, measured, anyOrder, repeating).equals(shape(now, measured, anyOrder, repeating))) {
            return String.join("\n", shown);
        }
        return actual;
    }

    private static List<String> shape(List<String> lines, Pattern measured, boolean anyOrder, Predicate<String> repeating) {
        List<String> shape = new ArrayList<>();
        boolean repeated = false;
        for (String line : lines) {
            String masked = measured.matcher(ReadmeTranscripts.mask(line)).replaceAll("#").replaceAll("\\s+", " ");
            if (repeating.test(line)) {
                if (repeated) {
                    continue;
                }
                repeated = true;
                masked = "(one or more of these lines)";
            }
            shape.add(masked);
        }
        if (anyOrder) {
            Collections.sort(shape);
        }
        return shape;
    }

    /**
     * What a server process printed, stdout and stderr merged in the order of their timestamps (two
     * pipes read by two threads keep no order between them), from the first line {@code first} accepts
     * through the first that {@code last} accepts; the port is shown as the default's.
     */
    public static String log(ServerProcess server, List<ServerProcess.Line> lines, Predicate<String> first, Predicate<String> last) {
        List<ServerProcess.Line> copy;
        synchronized (lines) {
            copy = List.copyOf(lines);
        }
        // A line without a stamp (Listening, a stack trace) sorts with the line before it on its
        // own stream (a trace belongs to the ERROR line above it on stderr); the sort is stable.
        record Keyed(String key, String text) {
        }
        List<Keyed> keyed = new ArrayList<>();
        Map<ServerProcess.Source, String> lastKey = new EnumMap<>(ServerProcess.Source.class);
        for (ServerProcess.Line line : copy) {
            String text = line.text();
            var stamp = STAMP.matcher(text);
            // The Listening line comes first, whichever pipe's lines were read first.
            String key = stamp.find() ? stamp.group() : text.startsWith("Listening on") ? "" : lastKey.getOrDefault(line.source(), "");
            lastKey.put(line.source(), key);
            keyed.add(new Keyed(key, text));
        }
        keyed.sort(Comparator.comparing(Keyed::key));
        List<String> shown = new ArrayList<>();
        for (Keyed line : keyed) {
            if (shown.isEmpty() && !first.test(line.text())) {
                continue;
            }
            shown.add(line.text().replace("127.0.0.1:" + server.port(), "127.0.0.1:8000"));
            if (last.test(line.text())) {
                break;
            }
        }
        return String.join("\n", shown);
    }

    private static final Pattern STAMP = Pattern.compile("^\\d{2}:\\d{2}:\\d{2}\\.\\d{3}");
}
