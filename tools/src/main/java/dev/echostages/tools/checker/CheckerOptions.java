package dev.echostages.tools.checker;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The checker's command line. Either a server command after {@code --} (every {@code {port}}
 * in it replaced by a free port, or the command listens on {@code --port N}), or
 * {@code --connect HOST:PORT} for a server already running.
 */
record CheckerOptions(int stage, Optional<Path> json, boolean jsonToStdout, double slow, int port, Duration grace,
        List<String> command, Optional<InetSocketAddress> connect, boolean help) {

    static final String USAGE = """
            usage: java -jar tools/target/checker.jar [OPTIONS] -- COMMAND ARGS...
                   java -jar tools/target/checker.jar [OPTIONS] --connect HOST:PORT

            Starts an echo server (any language) and runs numbered checks, grouped by the stage that
            teaches them; the verdict names the furthest stage whose checks, and those before it, all pass.
              -- COMMAND ARGS...   the server's command; every {port} in it becomes a free port, and
                                   the word {java} the java running the checker
              --port N             the port the command listens on, when it has no {port}
              --connect HOST:PORT  check a server that is already running (CPU and SIGTERM checks skipped)
              --stage N            run the checks of stages 1 to N only (1 to 5; default 5)
              --json FILE          also write the results as JSON to FILE ('-': to stdout, the report to stderr)
              --slow F             multiply every time limit by F, for slow machines (default 1)
              --grace-ms N         how long the server may take to exit after SIGTERM (default 5000)
            Exit status: 0 every check passed (skips allowed), 1 a check failed or the server did not start,
            2 a usage error.
            Example: java -jar tools/target/checker.jar -- python3 my_server.py {port}""";

    /** A mistake on the command line: the checker prints it with the usage and exits 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static CheckerOptions parse(String... args) throws UsageException {
        int stage = Check.LAST_STAGE;
        Path json = null;
        boolean jsonToStdout = false;
        double slow = 1;
        int port = 0;
        long graceMillis = 5000;
        InetSocketAddress connect = null;
        List<String> command = new ArrayList<>();
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                command.addAll(List.of(args).subList(i + 1, args.length));
                break;
            }
            switch (arg) {
                case "--help", "-h" -> help = true;
                case "--stage" -> stage = (int) number(arg, value(args, ++i, arg), 1, Check.LAST_STAGE);
                case "--json" -> {
                    String file = value(args, ++i, arg);
                    jsonToStdout = file.equals("-");
                    json = jsonToStdout ? null : Path.of(file);
                }
                case "--slow" -> slow = factor(value(args, ++i, arg));
                case "--port" -> port = (int) number(arg, value(args, ++i, arg), 1, 65535);
                case "--grace-ms" -> graceMillis = number(arg, value(args, ++i, arg), 0, 600_000);
                case "--connect" -> connect = hostPort(value(args, ++i, arg));
                default -> throw new UsageException(arg.startsWith("-")
                        ? "unknown option " + shown(arg)
                        : "unexpected " + shown(arg) + ": the server's command comes after --");
            }
        }
        if (!help) {
            if (connect != null && !command.isEmpty()) {
                throw new UsageException("give a command after -- or --connect HOST:PORT, not both");
            }
            if (connect == null && command.isEmpty()) {
                throw new UsageException("no server: give its command after -- (with {port}) or --connect HOST:PORT");
            }
            if (connect != null && port != 0) {
                throw new UsageException("--port is for a command that listens on a fixed port; with --connect the port is in HOST:PORT");
            }
            boolean placeholder = command.stream().anyMatch(word -> word.contains(ServerUnderTest.PORT_PLACEHOLDER));
            if (!command.isEmpty() && !placeholder && port == 0) {
                throw new UsageException("the command has no {port}: put {port} where it takes its port,"
                        + " or give --port N for a server that always listens on N");
            }
        }
        return new CheckerOptions(stage, Optional.ofNullable(json), jsonToStdout, slow, port, Duration.ofMillis(graceMillis),
                List.copyOf(command), Optional.ofNullable(connect), help);
    }

    private static String value(String[] args, int index, String option) throws UsageException {
        if (index >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[index];
    }

    private static long number(String option, String text, long min, long max) throws UsageException {
        if (!text.matches("[0-9]{1,9}")) {
            throw new UsageException(option + " takes a number, not " + shown(text));
        }
        long value = Long.parseLong(text);
        if (value < min || value > max) {
            throw new UsageException(option + " must be from " + min + " to " + max + ", not " + value);
        }
        return value;
    }

    private static double factor(String text) throws UsageException {
        if (!text.matches("[0-9]{1,4}(\\.[0-9]{1,3})?")) {
            throw new UsageException("--slow takes a factor such as 2 or 1.5, not " + shown(text));
        }
        double value = Double.parseDouble(text);
        if (value < 0.5) {
            throw new UsageException("--slow must be at least 0.5, not " + text);
        }
        return value;
    }

    /** {@code 127.0.0.1:8000}, {@code localhost:8000} or {@code [::1]:8000}. */
    private static InetSocketAddress hostPort(String text) throws UsageException {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new UsageException("--connect takes HOST:PORT, such as 127.0.0.1:8000, not " + shown(text));
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = (int) number("the port in --connect", text.substring(colon + 1), 1, 65535);
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UsageException("--connect: cannot resolve the host " + shown(host));
        }
        return address;
    }

    /** What the user typed, quoted and cut to about 60 characters. */
    private static String shown(String text) {
        return "'" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + "'";
    }
}
