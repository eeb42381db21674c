package dev.echostages.common;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.SocketAddress;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
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

    private final Consumer<String> out;
    private final Consumer<String> err;
    private final boolean quiet;

    public Log(Consumer<String> out, Consumer<String> err, boolean quiet) {
        this.out = out;
        this.err = err;
        this.quiet = quiet;
    }

    /** The log of a real server process: events to stdout, warnings and errors to stderr. */
    public static Log console(boolean quiet) {
        return new Log(printer(System.out), printer(System.err), quiet);
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

    public void error(SocketAddress client, String message, Throwable cause) {
        var text = new StringBuilder(stamp("ERROR " + Addresses.of(client) + " " + message));
        if (cause != null) {
            var trace = new StringWriter();
            cause.printStackTrace(new PrintWriter(trace));
            text.append(System.lineSeparator()).append(trace.toString().stripTrailing());
        }
        err.accept(text.toString());
    }

    private static String stamp(String message) {
        return LocalTime.now().format(TIME) + " " + message;
    }
}
