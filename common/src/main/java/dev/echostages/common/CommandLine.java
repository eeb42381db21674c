package dev.echostages.common;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The command line every stage server understands, plus the options of each stage.
 *
 * <p>Common options: {@code --port N} (default 8000; 0 picks a free port), {@code --host H}
 * (default 127.0.0.1), {@code --max-line N}, {@code --quiet}, {@code --help}. A stage adds its own
 * with {@link #intOption}, {@link #choice} and {@link #flag}. A bad option prints the usage to
 * stderr and exits with status 2, the Unix convention for a usage error.
 *
 * <p>Strict on purpose, because a silently misread option makes a lesson show the wrong thing:
 * <ul>
 *   <li>A valued option takes its value as the next argument or after {@code =}, as GNU tools do:
 *       {@code --port 9000} and {@code --port=9000} are the same.</li>
 *   <li>A flag takes no value: {@code --quiet=no} is an error, not "quiet on"
 *       ({@code --no-NAME} switches a flag off).</li>
 *   <li>Numbers are written with the ASCII digits 0-9 only. {@link Integer#parseInt} would also
 *       take any other script's digits ({@code --port ٠} as port 0).</li>
 *   <li>An error line quotes at most {@value #QUOTED_CHARACTERS} characters of what was typed,
 *       and names an empty argument as such, so the line says what is wrong at a glance.</li>
 * </ul>
 */
public final class CommandLine {

    /** A usage error, with the message to print above the usage. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    /** Thrown by {@link #parse} for {@code --help}: not an error, the caller prints the usage. */
    public static final class HelpRequested extends Exception {
        public HelpRequested() {
            super("help requested");
        }
    }

    private sealed interface Spec permits IntSpec, ChoiceSpec, FlagSpec {
        String name();

        String help();
    }

    private record IntSpec(String name, int defaultValue, int min, int max, String help) implements Spec {
    }

    private record ChoiceSpec(String name, String defaultValue, List<String> choices, String help) implements Spec {
    }

    private record FlagSpec(String name, boolean defaultValue, String help) implements Spec {
    }

    /** The most of one argument an error line quotes: enough to recognize it, short enough for one line. */
    static final int QUOTED_CHARACTERS = 60;

    private static final Pattern ASCII_NUMBER = Pattern.compile("-?[0-9]+");

    private final String program;
    private final String summary;
    private final Map<String, Spec> specs = new LinkedHashMap<>();

    public CommandLine(String program, String summary) {
        this.program = program;
        this.summary = summary;
        intOption("--port", 8000, 0, 65535, "TCP port to listen on; 0 picks a free one");
        specs.put("--host", new ChoiceSpec("--host", "127.0.0.1", List.of(),
                "address to bind; anything but loopback lets the whole network connect"));
        intOption("--max-line", Protocol.DEFAULT_MAX_LINE, 2, 64 * 1024 * 1024,
                "longest line in bytes, \\n included; longer lines get an error and are disconnected");
        flag("--quiet", "log only warnings and errors (no connects, lines or chunks); for benchmarks");
    }

    public CommandLine intOption(String name, int defaultValue, int min, int max, String help) {
        specs.put(name, new IntSpec(name, defaultValue, min, max, help));
        return this;
    }

    /** An option whose value is one of a few words; the first is the default. */
    public CommandLine choice(String name, List<String> choices, String help) {
        specs.put(name, new ChoiceSpec(name, choices.getFirst(), List.copyOf(choices), help));
        return this;
    }

    public CommandLine flag(String name, String help) {
        return flag(name, false, help);
    }

    /** A flag that may be on by default; {@code --no-NAME} switches it off. */
    public CommandLine flag(String name, boolean defaultValue, String help) {
        specs.put(name, new FlagSpec(name, defaultValue, help));
        return this;
    }

    /** Parses for a real process: prints the usage and exits on {@code --help} (0) or an error (2). */
    public ServerOptions parseOrExit(String[] args) {
        try {
            return parse(args);
        } catch (HelpRequested help) {
            printUsage(System.out);
            System.exit(0);
        } catch (UsageException bad) {
            System.err.println(program + ": " + bad.getMessage());
            printUsage(System.err);
            System.exit(2);
        }
        throw new AssertionError("unreachable");
    }

    public ServerOptions parse(String... args) throws UsageException, HelpRequested {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Spec spec : specs.values()) {
            values.put(spec.name(), switch (spec) {
                case IntSpec s -> s.defaultValue();
                case ChoiceSpec s -> s.defaultValue();
                case FlagSpec s -> s.defaultValue();
            });
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new HelpRequested();
            }
            String name = arg;
            String inlineValue = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                name = arg.substring(0, equals);
                inlineValue = arg.substring(equals + 1);
            }
            Spec spec = specs.get(name);
            if (spec == null && name.startsWith("--no-") && specs.get("--" + name.substring(5)) instanceof FlagSpec flag) {
                refuseValue(name, inlineValue, arg);
                values.put(flag.name(), false);
                continue;
            }
            if (spec == null) {
                throw new UsageException("unknown option " + quote(arg));
            }
            if (spec instanceof FlagSpec) {
                refuseValue(name, inlineValue, arg);
                values.put(name, true);
                continue;
            }
            String value = inlineValue;
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException(name + " needs a value");
                }
                value = args[++i];
            }
            values.put(name, convert(spec, value));
        }
        return new ServerOptions(values);
    }

    private static void refuseValue(String flag, String inlineValue, String arg) throws UsageException {
        if (inlineValue != null) {
            throw new UsageException(flag + " is a flag and takes no value, got " + quote(arg)
                    + ": write " + flag + " alone" + (flag.startsWith("--no-") ? "" : ", or --no-" + flag.substring(2) + " if it can be off"));
        }
    }

    /**
     * What was typed, as an error line shows it: in quotes, cut to {@value #QUOTED_CHARACTERS}
     * characters (with the full length said), control characters made visible, and an empty
     * argument named as such rather than shown as nothing.
     */
    static String quote(String typed) {
        if (typed.isEmpty()) {
            return "an empty argument";
        }
        String shown = typed.length() <= QUOTED_CHARACTERS ? typed : typed.substring(0, QUOTED_CHARACTERS);
        var text = new StringBuilder("'");
        shown.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                text.append(String.format("\\u%04x", c));
            } else {
                text.appendCodePoint(c);
            }
        });
        text.append('\'');
        if (shown.length() < typed.length()) {
            text.append("... (").append(String.format(Locale.ROOT, "%,d", typed.length())).append(" characters)");
        }
        return text.toString();
    }

    private static Object convert(Spec spec, String value) throws UsageException {
        return switch (spec) {
            case IntSpec s -> {
                if (!ASCII_NUMBER.matcher(value).matches()) {
                    throw new UsageException(s.name() + " wants a whole number in the digits 0-9, got " + quote(value));
                }
                long number;
                try {
                    number = Long.parseLong(value);
                } catch (NumberFormatException tooManyDigits) {
                    number = value.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE; // out of range either way
                }
                if (number < s.min() || number > s.max()) {
                    throw new UsageException(s.name() + " must be between " + s.min() + " and " + s.max()
                            + ", got " + quote(value));
                }
                yield (int) number;
            }
            case ChoiceSpec s -> {
                if (!s.choices().isEmpty() && !s.choices().contains(value)) {
                    throw new UsageException(s.name() + " must be one of " + s.choices() + ", got " + quote(value));
                }
                if (value.isBlank()) {
                    throw new UsageException(s.name() + " needs a value, got " + (value.isEmpty() ? quote(value) : "only spaces"));
                }
                yield value;
            }
            case FlagSpec s -> throw new AssertionError("flags take no value: " + s.name());
        };
    }

    public void printUsage(PrintStream out) {
        out.println("usage: " + program + " [options]");
        out.println();
        out.println(summary);
        out.println();
        out.println("options:");
        List<String[]> rows = new ArrayList<>();
        for (Spec spec : specs.values()) {
            String left = switch (spec) {
                case IntSpec s -> s.name() + " N";
                case ChoiceSpec s -> s.name() + (s.choices().isEmpty() ? " VALUE" : " " + String.join("|", s.choices()));
                case FlagSpec s -> s.defaultValue() ? s.name() + " / --no-" + s.name().substring(2) : s.name();
            };
            String right = spec.help() + switch (spec) {
                case IntSpec s -> " (default " + s.defaultValue() + ")";
                case ChoiceSpec s -> " (default " + s.defaultValue() + ")";
                case FlagSpec s -> s.defaultValue() ? " (on by default)" : "";
            };
            rows.add(new String[] {left, right});
        }
        rows.add(new String[] {"--help", "print this help and exit"});
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        for (String[] row : rows) {
            out.printf("  %-" + width + "s  %s%n", row[0], row[1]);
        }
    }
}
