package dev.echostages.common;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.SocketAddress;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The server log, written for a class watching a projector: one event per line, a timestamp, and
 * the client's address in every line that concerns a client, printed as one types it
 * ({@link Addresses}: {@code 127.0.0.1:53422}, not the JDK's {@code /127.0.0.1:53422}).
 *
 * <p>Three levels, chosen by who needs to see them:
 * <ul>
 *   <li>{@link #event} connects, disconnects, lines and chunks: the story of the stage. Switched
 *       off by {@code --quiet}, because benchmarks would otherwise measure the logging.</li>
 *   <li>{@link #warn} something a person should look at (a refused client, a slow handler).</li>
 *   <li>{@link #error} a failure, with the stack trace when it was unexpected.</li>
 * </ul>
 * A stack trace in the default log is short ({@link Traces#SHORT}): the exception, the first
 * frames of this project's own code, and one line that counts the rest. A dozen frames of
 * {@code java.util.concurrent} scroll the lesson off a projected terminal and say nothing a student
 * can act on; the frames in {@code dev.echostages} point at the line to read. Under a stage's
 * {@code --debug} every frame is printed, and a crash of the whole server always prints them all.
 * Warnings and errors are never switched off and go to stderr, so that the first line on stdout
 * stays {@code Listening on HOST:PORT} whatever happens.
 */
public final class Log {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    static {
        // The first timestamp loads the time-zone rules from a file (tzdb.dat). Do it now, while
        // the server starts: if the first line logged were "Too many open files", opening that
        // file would fail too and the log call would throw an Error.
        stamp("");
    }

    /** How much of a stack trace {@link #error} prints. */
    public enum Traces {
        /** The exception, the project's first frames, and a line that counts the rest. */
        SHORT,
        /** As {@link #SHORT}, and the last line says that {@code --debug} prints every frame. */
        SHORT_UNTIL_DEBUG,
        /** Every frame and every cause, as {@link Throwable#printStackTrace()} prints them. */
        FULL
    }

    /** The package whose frames a short trace keeps: the code a student can open and read. */
    private static final String OWN_CODE = "dev.echostages.";

    /** How many of the project's frames a short trace shows. */
    private static final int OWN_FRAMES = 3;

    private final Consumer<String> out;
    private final Consumer<String> err;
    private final boolean quiet;
    private final Traces traces;

    public Log(Consumer<String> out, Consumer<String> err, boolean quiet) {
        this(out, err, quiet, Traces.SHORT);
    }

    public Log(Consumer<String> out, Consumer<String> err, boolean quiet, Traces traces) {
        this.out = out;
        this.err = err;
        this.quiet = quiet;
        this.traces = traces;
    }

    /** The log of a real server process: events to stdout, warnings and errors to stderr. */
    public static Log console(boolean quiet, Traces traces) {
        return new Log(printer(System.out), printer(System.err), quiet, traces);
    }

    private static Consumer<String> printer(PrintStream stream) {
        return line -> {
            stream.println(line);
            // PrintStream swallows write errors; a log nobody can read is not worth failing for,
            // but say so once on stderr rather than pretend.
            if (stream.checkError() && stream != System.err) {
                System.err.println("log output failed (stdout closed?)");
            }
        };
    }

    public boolean quiet() {
        return quiet;
    }

    public void event(String message) {
        if (!quiet) {
            out.accept(stamp(message));
        }
    }

    public void event(SocketAddress client, String message) {
        if (!quiet) {
            out.accept(stamp(Addresses.of(client) + " " + message));
        }
    }

    public void warn(String message) {
        err.accept(stamp("WARN " + message));
    }

    public void warn(SocketAddress client, String message) {
        warn(Addresses.of(client) + " " + message);
    }

    /** A failure that concerns one client (or the listener); the trace as {@link Traces} says. */
    public void error(SocketAddress client, String message, Throwable cause) {
        String line = stamp("ERROR " + Addresses.of(client) + " " + message);
        err.accept(cause == null ? line : line + System.lineSeparator() + (traces == Traces.FULL ? fullTrace(cause) : shortTrace(cause)));
    }

    /** A failure that ends the server: always the whole trace, the one chance to see what happened. */
    public void crash(SocketAddress where, String message, Throwable cause) {
        err.accept(stamp("ERROR " + Addresses.of(where) + " " + message) + System.lineSeparator() + fullTrace(cause));
    }

    private static String fullTrace(Throwable cause) {
        var trace = new StringWriter();
        cause.printStackTrace(new PrintWriter(trace));
        return trace.toString().stripTrailing();
    }

    /**
     * The exception; then, from the first exception of its cause chain that passed through the
     * project's code, up to {@value #OWN_FRAMES} of those frames (the first frames when no
     * exception did); the root cause; and a count of the frames left out.
     */
    String shortTrace(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && chain.size() < 20 && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        Throwable located = chain.stream().filter(t -> !ownFrames(t).isEmpty()).findFirst().orElse(failure);
        List<StackTraceElement> shown = ownFrames(located);
        if (shown.isEmpty()) {
            shown = Arrays.stream(located.getStackTrace()).limit(OWN_FRAMES).toList();
        }
        List<String> lines = new ArrayList<>();
        lines.add(failure.toString());
        if (located != failure) {
            lines.add("Caused by: " + located);
        }
        shown.forEach(frame -> lines.add("\tat " + frame));
        Throwable root = chain.getLast();
        if (root != located) {
            lines.add("Caused by: " + root);
        }
        int left = chain.stream().mapToInt(t -> t.getStackTrace().length).sum() - shown.size();
        if (left > 0) {
            lines.add("\t... " + left + " more frame" + (left == 1 ? "" : "s")
                    + (traces == Traces.SHORT_UNTIL_DEBUG ? " (--debug prints them)" : ""));
        }
        return String.join(System.lineSeparator(), lines);
    }

    private static List<StackTraceElement> ownFrames(Throwable failure) {
        return Arrays.stream(failure.getStackTrace()).filter(frame -> frame.getClassName().startsWith(OWN_CODE))
                .limit(OWN_FRAMES).toList();
    }

    private static String stamp(String message) {
        return LocalTime.now().format(TIME) + " " + message;
    }
}
