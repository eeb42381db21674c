package dev.echostages.benchmarks.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A server from outside this repository, given on the command line as
 * {@code --external NAME=COMMAND}: any program that echoes lines over TCP, in any language.
 * {@code {port}} in the command becomes a free port. It need not print anything: it is ready once
 * a connection to that port echoes a line.
 *
 * <p>The launcher hands the list to the JMH forks as system properties
 * ({@code -Dechostages.external.NAME=COMMAND}), which is where {@link #byName} finds it.
 */
public record ExternalServer(String name, String commandLine) {
    public static final String PROPERTY_PREFIX = "echostages.external.";

    public ExternalServer {
        if (!name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("--external NAME must be letters, digits, '-' or '_': '" + name + "'");
        }
        if (ServerKind.isOurs(name)) {
            throw new IllegalArgumentException("--external " + name + ": that name belongs to a server of this repository");
        }
        if (!commandLine.contains("{port}")) {
            throw new IllegalArgumentException("--external " + name + "=" + commandLine
                    + ": the command needs {port}, where the server is told which port to listen on");
        }
    }

    /** Parses {@code NAME=COMMAND}. */
    public static ExternalServer parse(String argument) {
        int equals = argument.indexOf('=');
        if (equals <= 0 || equals == argument.length() - 1) {
            throw new IllegalArgumentException("--external wants NAME=COMMAND, got '" + argument + "'");
        }
        return new ExternalServer(argument.substring(0, equals), argument.substring(equals + 1).trim());
    }

    /** The outside server of that name, if the launcher declared one to this JVM. */
    public static ExternalServer byName(String name) {
        String command = System.getProperty(PROPERTY_PREFIX + name);
        return command == null ? null : new ExternalServer(name, command);
    }

    /** Every outside server declared to this JVM, in name order. */
    public static Map<String, String> declared() {
        Map<String, String> found = new LinkedHashMap<>();
        System.getProperties().stringPropertyNames().stream().filter(key -> key.startsWith(PROPERTY_PREFIX)).sorted()
                .forEach(key -> found.put(key.substring(PROPERTY_PREFIX.length()), System.getProperty(key)));
        return found;
    }

    /** Why this command cannot start here (its program is not on PATH), or empty when it may. */
    public Optional<String> whyItCannotRun() {
        String program = command(0).getFirst();
        if (program.contains("/") || program.contains("\\") || Portability.onPath(program).isPresent()
                || Portability.isWindows() && Portability.onPath(program + ".exe").isPresent()) {
            return Optional.empty();
        }
        return Optional.of(program + " is not on PATH, so " + name + " was not run");
    }

    public String label() {
        return name + " (outside)";
    }

    /**
     * The command's words, {@code {port}} replaced. Words are split on spaces; single or double
     * quotes keep spaces inside one word, as in a shell, but nothing else of a shell applies (no
     * variables, no globs). For those, make the command {@code sh -c 'exec ...'}: the {@code exec}
     * keeps the pid the server's, so its CPU and memory are read from the right process.
     */
    public List<String> command(int port) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (char c : commandLine.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("--external " + name + ": unbalanced " + quote + " in " + commandLine);
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words.stream().map(w -> w.replace("{port}", Integer.toString(port))).toList();
    }

    /**
     * A port that was free a moment ago. Another program could take it before the server binds
     * it; the server then fails to start and says so, which is rare enough on one machine.
     */
    public static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return probe.getLocalPort();
        }
    }
}
