package dev.echostages.common.testing;

import dev.echostages.common.Log;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A {@link Log} for tests: keeps every line (events, warnings, errors) and echoes it to stdout. */
public final class LogRecorder {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Log log;

    public LogRecorder(boolean quiet) {
        this.log = new Log(this::record, this::record, quiet);
    }

    public LogRecorder() {
        this(false);
    }

    private void record(String line) {
        lines.add(line);
        System.out.println(line);
    }

    public Log log() {
        return log;
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    public boolean contains(String fragment) {
        return lines.stream().anyMatch(line -> line.contains(fragment));
    }

    /** Waits until a line matching {@code test} appears; returns it, or fails after {@code timeout}. */
    public String await(Predicate<String> test, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : lines) {
                if (test.test(line)) {
                    return line;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no log line matched within " + timeout + "; log was:\n" + String.join("\n", lines));
    }

    public String await(String fragment, Duration timeout) throws InterruptedException {
        return await(line -> line.contains(fragment), timeout);
    }
}
