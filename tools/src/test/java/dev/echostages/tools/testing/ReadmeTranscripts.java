package dev.echostages.tools.testing;

import dev.echostages.tools.ServerProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps the transcripts a README shows (a telnet session, a server log, the demo's timeline) equal
 * to what the code prints today, so that they cannot go stale.
 *
 * <p>A transcript in a README is a fenced block between two markers:
 *
 * <pre>
 *   &lt;!-- transcript:server-log --&gt;
 *   ```
 *   Listening on 127.0.0.1:8000
 *   11:31:04.542 /127.0.0.1:60990 connected
 *   ```
 *   &lt;!-- /transcript --&gt;
 * </pre>
 *
 * A stage's test names a scenario for every block: a function that starts the real server,
 * drives it over sockets as telnet or nc would, and returns the text to show.
 *
 * <pre>
 *   ReadmeTranscripts.of(Path.of("README.md"))
 *           .scenario("server-log", () -&gt; ...)
 *           .scenario("demo", Ordering.SAME_MOMENT_IN_ANY_ORDER, () -&gt; ...)
 *           .verify();
 * </pre>
 *
 * {@link #verify()} runs every scenario and fails, with a line diff, when a block no longer matches
 * its scenario's output. What legitimately differs from run to run is masked on both sides before
 * comparing (see {@link #mask}): clock times, addresses' ports, durations, the server's PID. With
 * {@code -Dreadme.update=true} it writes the fresh output into the blocks instead, so one command
 * regenerates every transcript of a module:
 *
 * <pre>
 *   ./mvnw -q -pl stage2-multiclient -am verify -Dreadme.update=true
 * </pre>
 *
 * A block without a scenario, or a scenario without a block, is an error too: both mean the README
 * and its test have drifted apart.
 */
public final class ReadmeTranscripts {

    /** The system property that switches from checking to rewriting the blocks. */
    public static final String UPDATE_PROPERTY = "readme.update";

    /** The text a README block should show; may throw whatever the scenario's code throws. */
    @FunctionalInterface
    public interface Scenario {
        String run() throws Exception;
    }

    /** How strictly the order of lines is compared. */
    public enum Ordering {
        /** Line for line: a single thread printed them, or the script fixed their order. */
        EXACT,
        /**
         * Lines stamped (a clock time {@code 11:38:06.730} or a relative time {@code +4.286s} at
         * the start of the line) within {@link #SAME_MOMENT} of each other may come in either
         * order. For output from several threads, such as the demo's timeline: two events in the
         * same few milliseconds have no reliable order.
         */
        SAME_MOMENT_IN_ANY_ORDER
    }

    /**
     * How close two stamped lines must be to count as the same moment. Generous: on a loaded
     * machine (CI shares two cores with everything else) a thread that logs an event can be kept
     * off the CPU for a few hundred milliseconds, while the demo's story moves in seconds (A's
     * silence, A's second line); the verdict line, compared exactly, states the lesson.
     */
    public static final Duration SAME_MOMENT = Duration.ofMillis(500);

    private static final Pattern OPEN = Pattern.compile("^<!--\\s*transcript:([\\w.-]+)\\s*-->\\s*$");
    private static final Pattern CLOSE = Pattern.compile("^<!--\\s*/transcript\\s*-->\\s*$");
    private static final Pattern CLOCK_TIME = Pattern.compile("\\b\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\b");
    private static final Pattern ADDRESS_PORT = Pattern.compile("\\b(\\d{1,3}(?:\\.\\d{1,3}){3}|localhost):\\d{1,5}\\b");
    private static final Pattern DURATION = Pattern.compile("\\s*(?<![\\w.])[+-]?\\d+(?:\\.\\d+)?\\s?(?:ms|µs|us|ns|s)\\b");
    private static final Pattern PROCESS_ID = Pattern.compile("\\bPID \\d+\\b");
    private static final Pattern CORE_SHARE = Pattern.compile("\\b\\d+% of a core");
    private static final Pattern STAMP_AT_START = Pattern.compile(
            "^\\s*(?:(\\d{2}):(\\d{2}):(\\d{2})\\.(\\d{3})|([+-]\\d+\\.\\d+)s)\\b");

    private record Block(String name, int fenceLine, int closeFenceLine) {
    }

    private record Expected(Ordering ordering, Scenario scenario) {
    }

    private final Path readme;
    private final Map<String, Expected> scenarios = new LinkedHashMap<>();

    private ReadmeTranscripts(Path readme) {
        this.readme = readme;
    }

    /** The README to check; a module's tests run in the module's folder, so {@code Path.of("README.md")}. */
    public static ReadmeTranscripts of(Path readme) {
        return new ReadmeTranscripts(readme);
    }

    public ReadmeTranscripts scenario(String name, Scenario scenario) {
        return scenario(name, Ordering.EXACT, scenario);
    }

    public ReadmeTranscripts scenario(String name, Ordering ordering, Scenario scenario) {
        if (scenarios.put(name, new Expected(ordering, scenario)) != null) {
            throw new IllegalArgumentException("two scenarios named '" + name + "'");
        }
        return this;
    }

    /** True when this run rewrites the blocks ({@code -Dreadme.update=true}) instead of checking them. */
    public static boolean updating() {
        return Boolean.getBoolean(UPDATE_PROPERTY);
    }

    /** Checks every block against its scenario, or rewrites the blocks when {@link #updating()}. */
    public void verify() throws Exception {
        if (updating()) {
            update();
        } else {
            check();
        }
    }

    /** Fails, with a diff per block, when a block no longer matches its scenario's output. */
    public void check() throws Exception {
        run(false);
    }

    /** Writes each scenario's output into its block where the block no longer matches; leaves matching blocks alone. */
    public void update() throws Exception {
        run(true);
    }

    private void run(boolean updating) throws Exception {
        String original = Files.readString(readme, StandardCharsets.UTF_8);
        // A Windows checkout may have CRLF line ends; compare on LF and write back what was there.
        String newline = original.contains("\r\n") ? "\r\n" : "\n";
        List<String> lines = new ArrayList<>(List.of(original.replace("\r\n", "\n").split("\n", -1)));
        List<Block> blocks = blocks(lines);

        List<String> problems = new ArrayList<>();
        for (Block block : blocks) {
            if (!scenarios.containsKey(block.name())) {
                problems.add("block '" + block.name() + "' (line " + (block.fenceLine() + 1)
                        + ") has no scenario: add .scenario(\"" + block.name() + "\", ...) to the test, or remove the markers");
            }
        }
        for (String name : scenarios.keySet()) {
            if (blocks.stream().noneMatch(block -> block.name().equals(name))) {
                problems.add("scenario '" + name + "' has no block: add <!-- transcript:" + name
                        + " --> ... <!-- /transcript --> around a fenced block");
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(readme + ":\n  " + String.join("\n  ", problems));
        }

        // From the last block to the first, so that replacing one does not move the others' lines.
        for (Block block : blocks.reversed()) {
            Expected expected = scenarios.get(block.name());
            String actual;
            try {
                actual = expected.scenario().run().replace("\r\n", "\n").stripTrailing();
            } catch (Exception failed) {
                throw new AssertionError("scenario '" + block.name() + "' for " + readme + " failed: " + failed, failed);
            }
            List<String> shown = lines.subList(block.fenceLine() + 1, block.closeFenceLine());
            if (sameTranscript(String.join("\n", shown), actual, expected.ordering())) {
                continue; // up to date: even when updating, keep it, so git diff shows only real changes
            }
            if (updating) {
                List<String> fresh = List.of(actual.split("\n", -1));
                shown.clear();
                shown.addAll(fresh);
            } else {
                problems.add(difference(block.name(), String.join("\n", shown), actual));
            }
        }
        if (updating) {
            String updated = String.join(newline, lines);
            if (!updated.equals(original)) {
                Files.writeString(readme, updated, StandardCharsets.UTF_8);
                System.out.println("updated the transcripts in " + readme.toAbsolutePath());
            }
            return;
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n\n", problems) + "\n\nIf the new output is right, regenerate the "
                    + "transcripts and review the change with git diff:\n  ./mvnw -q -pl " + moduleName()
                    + " -am verify -D" + UPDATE_PROPERTY + "=true");
        }
    }

    /**
     * The marked blocks, with the line numbers (0-based) of their opening and closing fences.
     * Markers inside a four-backtick fence are an example of the markup (the root README shows
     * one), not a block.
     */
    private List<Block> blocks(List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        boolean inExample = false;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("````")) {
                inExample = !inExample;
                continue;
            }
            if (inExample) {
                continue;
            }
            Matcher open = OPEN.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            String name = open.group(1);
            int fence = nextNonBlank(lines, i + 1);
            if (fence < 0 || !lines.get(fence).startsWith("```")) {
                throw new AssertionError(readme + " line " + (i + 1) + ": transcript '" + name
                        + "' must be followed by a fenced block (```)");
            }
            int closeFence = fence + 1;
            while (closeFence < lines.size() && !lines.get(closeFence).strip().equals("```")) {
                closeFence++;
            }
            int close = closeFence < lines.size() ? nextNonBlank(lines, closeFence + 1) : -1;
            if (close < 0 || !CLOSE.matcher(lines.get(close)).matches()) {
                throw new AssertionError(readme + " line " + (i + 1) + ": transcript '" + name
                        + "' needs a closing ``` and then <!-- /transcript -->");
            }
            if (blocks.stream().anyMatch(block -> block.name().equals(name))) {
                throw new AssertionError(readme + " line " + (i + 1) + ": a second transcript named '" + name + "'");
            }
            blocks.add(new Block(name, fence, closeFence));
            i = close;
        }
        return blocks;
    }

    private static int nextNonBlank(List<String> lines, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Replaces what varies from run to run with a placeholder: clock times ({@code 11:31:04.542}),
     * the port after an address ({@code 127.0.0.1:60990}, {@code localhost:8000}), durations
     * ({@code +4.286s}, {@code 4.1 s}, {@code 9.0 ms}) with the spaces that pad them. Everything
     * else, spaces inside the text included, must match exactly.
     */
    public static String mask(String line) {
        String masked = CLOCK_TIME.matcher(line).replaceAll("HH:MM:SS.mmm");
        masked = ADDRESS_PORT.matcher(masked).replaceAll("$1:PORT");
        // A duration takes the padding before it along: columns right-aligned on a number shift
        // when it gains a digit, and that is no change to the transcript.
        masked = DURATION.matcher(masked).replaceAll(" TIME");
        // The process id printed after the Listening line is the operating system's choice.
        masked = PROCESS_ID.matcher(masked).replaceAll("PID N");
        // A share of a core measures the machine, not the code (the demo's CPU line).
        masked = CORE_SHARE.matcher(masked).replaceAll("N% of a core");
        return masked.strip();
    }

    static boolean sameTranscript(String shown, String actual, Ordering ordering) {
        List<String> left = shown.stripTrailing().lines().toList();
        List<String> right = actual.stripTrailing().lines().toList();
        List<String> leftMasked = left.stream().map(ReadmeTranscripts::mask).toList();
        List<String> rightMasked = right.stream().map(ReadmeTranscripts::mask).toList();
        if (ordering == Ordering.EXACT || leftMasked.equals(rightMasked)) {
            return leftMasked.equals(rightMasked);
        }
        // Same lines, another order: allowed only where the two lines of every swapped pair were
        // stamped within SAME_MOMENT of each other, in the README's run or in today's.
        if (!leftMasked.stream().sorted().toList().equals(rightMasked.stream().sorted().toList())) {
            return false;
        }
        int[] where = positionsInRight(leftMasked, rightMasked);
        for (int i = 0; i < left.size(); i++) {
            for (int j = i + 1; j < left.size(); j++) {
                if (where[i] > where[j] && !sameMoment(left.get(i), left.get(j))
                        && !sameMoment(right.get(where[i]), right.get(where[j]))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** For each left line, the index of the same line in right; the k-th of equal lines maps to the k-th. */
    private static int[] positionsInRight(List<String> left, List<String> right) {
        Map<String, List<Integer>> unused = new LinkedHashMap<>();
        for (int j = 0; j < right.size(); j++) {
            unused.computeIfAbsent(right.get(j), line -> new ArrayList<>()).add(j);
        }
        int[] where = new int[left.size()];
        for (int i = 0; i < left.size(); i++) {
            where[i] = unused.get(left.get(i)).removeFirst();
        }
        return where;
    }

    private static boolean sameMoment(String one, String other) {
        double a = seconds(one);
        double b = seconds(other);
        return !Double.isNaN(a) && !Double.isNaN(b) && Math.abs(a - b) <= SAME_MOMENT.toNanos() / 1e9;
    }

    /** The stamp at the start of a line in seconds (of the day, or relative), or NaN if it has none. */
    private static double seconds(String line) {
        Matcher stamp = STAMP_AT_START.matcher(line);
        if (!stamp.find()) {
            return Double.NaN;
        }
        if (stamp.group(5) != null) {
            return Double.parseDouble(stamp.group(5));
        }
        return Integer.parseInt(stamp.group(1)) * 3600 + Integer.parseInt(stamp.group(2)) * 60
                + Integer.parseInt(stamp.group(3)) + Integer.parseInt(stamp.group(4)) / 1000.0;
    }

    /** A line diff of the masked texts: "-" only in the README, "+" only in today's output. */
    private String difference(String name, String shown, String actual) {
        List<String> left = shown.lines().map(ReadmeTranscripts::mask).toList();
        List<String> right = actual.lines().map(ReadmeTranscripts::mask).toList();
        // Longest common subsequence, the textbook table: small inputs, clear code.
        int[][] common = new int[left.size() + 1][right.size() + 1];
        for (int i = left.size() - 1; i >= 0; i--) {
            for (int j = right.size() - 1; j >= 0; j--) {
                common[i][j] = left.get(i).equals(right.get(j)) ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        var diff = new StringBuilder(readme + ": transcript '" + name
                + "' no longer matches what the code prints (- README, + now; times and ports masked):\n");
        int i = 0;
        int j = 0;
        while (i < left.size() || j < right.size()) {
            if (i < left.size() && j < right.size() && left.get(i).equals(right.get(j))) {
                diff.append("    ").append(left.get(i++)).append('\n');
                j++;
            } else if (j < right.size() && (i == left.size() || common[i][j + 1] >= common[i + 1][j])) {
                diff.append("  + ").append(right.get(j++)).append('\n');
            } else {
                diff.append("  - ").append(left.get(i++)).append('\n');
            }
        }
        diff.append("Today's output, unmasked:\n");
        actual.lines().forEach(line -> diff.append("    ").append(line).append('\n'));
        return diff.toString().stripTrailing();
    }

    private static String moduleName() {
        Path here = Path.of("").toAbsolutePath().getFileName();
        return here == null ? "<module>" : here.toString();
    }

    /**
     * Runs a main class of this module in a fresh JVM (this JVM's java and class path, as
     * {@link ServerProcess} does) to its end, and returns what it printed,
     * stdout and stderr merged in the order written. For scenarios that show a whole program's
     * output, such as the two-client demo.
     */
    public static String javaOutput(Duration timeout, String mainClass, String... args) throws IOException, InterruptedException {
        List<String> command = ServerProcess.javaCommand(mainClass, List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        var output = new ByteArrayOutputStream();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (var in = process.getInputStream()) {
                in.transferTo(output);
            } catch (IOException broken) {
                // The process is gone; what was read so far is still returned, and the status says why.
            }
        });
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            reader.join(1000);
            throw new IOException(mainClass + " did not finish within " + timeout + "; it printed:\n"
                    + output.toString(StandardCharsets.UTF_8));
        }
        reader.join(5000);
        return output.toString(StandardCharsets.UTF_8);
    }
}
