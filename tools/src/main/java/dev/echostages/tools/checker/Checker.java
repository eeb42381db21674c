package dev.echostages.tools.checker;

import dev.echostages.tools.checker.CheckerOptions.UsageException;
import dev.echostages.tools.checker.Outcome.Status;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A checker for any echo server, in any language: it starts the server (or connects to one that
 * runs), puts it through the checks of {@link Check}, numbered by the stage that teaches them,
 * and says for each what happened and what it means. The verdict names the furthest stage N
 * such that every check of stages 1 to N passes.
 *
 * <p>HOW TO RUN IT (after {@code ./mvnw -q -pl tools -am package -DskipTests}):
 * <pre>
 *   java -jar tools/target/checker.jar -- java -jar stage4-selector/target/stage4-selector.jar --port {port}
 *   java -jar tools/target/checker.jar --stage 3 -- python3 my_server.py {port}
 *   java -jar tools/target/checker.jar --connect 127.0.0.1:8000
 * </pre>
 * One run takes about 20 s. Exit status: 0 when every check passed (skips allowed), 1 when one
 * failed or the server would not start, 2 on a usage error.
 */
public final class Checker {
    private Checker() {
    }

    /** Each check bounds its own waits; this catches one that hangs anyway (times {@code --slow}). */
    private static final Duration CHECK_LIMIT = Duration.ofSeconds(30);

    public record Result(Check check, Outcome outcome, Duration took) {
    }

    /** Every result of one run, and what they add up to. */
    public record Report(String server, int lastStage, List<Result> results) {

        public Optional<Result> result(Check check) {
            return results.stream().filter(result -> result.check() == check).findFirst();
        }

        public List<Check> failed() {
            return with(Status.FAIL);
        }

        public List<Check> skipped() {
            return with(Status.SKIP);
        }

        private List<Check> with(Status status) {
            return results.stream().filter(result -> result.outcome().status() == status).map(Result::check).toList();
        }

        /** The furthest stage N (0 for none) such that no check of stages 1 to N failed. */
        public int reached() {
            int firstFailing = failed().stream().mapToInt(Check::stage).min().orElse(lastStage + 1);
            return firstFailing - 1;
        }

        public String verdict() {
            String failures = failed().isEmpty() ? "" : "; fails " + ids(failed());
            String skips = skipped().isEmpty() ? "" : "; skipped, so neither passed nor failed: " + ids(skipped());
            String reach = reached() == 0 ? "no stage reached: stage 1's checks fail"
                    : "stage " + reached() + " reached: every check of stage" + (reached() == 1 ? " 1" : "s 1 to " + reached())
                            + " passes";
            return "Verdict: " + reach + failures + skips + ".";
        }

        private static String ids(List<Check> checks) {
            return checks.stream().map(Check::id).collect(Collectors.joining(", "));
        }

        /** The results for grading scripts: one object, one entry per check, in order. */
        public String json() {
            String checks = results.stream().map(result -> String.format(Locale.ROOT,
                            "    {\"id\": %s, \"stage\": %d, \"title\": %s, \"status\": %s, \"seconds\": %.1f, \"message\": %s}",
                            Json.string(result.check().id()), result.check().stage(), Json.string(result.check().title()),
                            Json.string(result.outcome().status().name().toLowerCase(Locale.ROOT)),
                            result.took().toMillis() / 1000.0, Json.string(result.outcome().message())))
                    .collect(Collectors.joining(",\n"));
            return "{\n  \"server\": " + Json.string(server) + ",\n  \"stages\": " + lastStage + ",\n  \"reached\": " + reached()
                    + ",\n  \"passed\": " + failed().isEmpty() + ",\n  \"verdict\": " + Json.string(verdict())
                    + ",\n  \"checks\": [\n" + checks + "\n  ]\n}\n";
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The whole command: parse, start or connect, check, report. Returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CheckerOptions options;
        try {
            options = CheckerOptions.parse(args);
        } catch (UsageException wrong) {
            err.println("checker: " + wrong.getMessage());
            err.println(CheckerOptions.USAGE);
            return 2;
        }
        if (options.help()) {
            out.println(CheckerOptions.USAGE);
            return 0;
        }
        PrintStream report = options.jsonToStdout() ? err : out;
        Duration startup = Duration.ofSeconds(Math.round(20 * options.slow()));
        ServerUnderTest server;
        try {
            server = options.connect().isPresent() ? ServerUnderTest.connect(options.connect().get())
                    : ServerUnderTest.start(options.command(), options.port(), startup, options.grace().plusSeconds(2));
        } catch (IOException cannotStart) {
            report.println("The server did not start: " + cannotStart.getMessage());
            return 1;
        }
        Report result;
        try (server) {
            result = check(server, Check.upToStage(options.stage()), options.slow(), options.grace(), report);
        }
        try {
            if (options.jsonToStdout()) {
                out.print(result.json());
            } else if (options.json().isPresent()) {
                Files.writeString(options.json().get(), result.json(), StandardCharsets.UTF_8);
            }
        } catch (IOException cannotWrite) {
            err.println("checker: cannot write " + options.json().get() + ": " + cannotWrite.getMessage());
            return 1;
        }
        return result.failed().isEmpty() ? 0 : 1;
    }

    /**
     * Starts {@code command} (with {@code {port}} in it), runs the checks of stages 1 to
     * {@code lastStage} as the command line does with default limits, stops the server, and
     * returns the report; for code that checks many servers, such as the README's verdict table.
     */
    public static Report checkCommand(List<String> command, int lastStage, PrintStream out) throws IOException {
        Duration grace = Duration.ofSeconds(5);
        try (ServerUnderTest server = ServerUnderTest.start(command, 0, Duration.ofSeconds(20), grace.plusSeconds(2))) {
            return check(server, Check.upToStage(lastStage), 1, grace, out);
        }
    }

    /** Runs {@code checks} in order against {@code server}, printing each result as it comes. */
    static Report check(ServerUnderTest server, List<Check> checks, double slow, Duration grace, PrintStream out) {
        out.println("Checking " + server.description());
        out.println("  on " + ServerUnderTest.hostPort(server.address())
                + server.process().map(process -> " (pid " + process.pid() + ", started by the checker)").orElse(" (--connect)"));
        CheckContext context = new CheckContext(server, slow, grace);
        List<Result> results = new ArrayList<>();
        int stage = 0;
        for (Check check : checks) {
            if (check.stage() != stage) {
                stage = check.stage();
                out.println();
                out.println("Stage " + stage + ": " + Check.STAGE_TITLES.get(stage - 1));
            }
            long start = System.nanoTime();
            Outcome outcome = runOne(check, context, server, slow);
            Result result = new Result(check, outcome, Duration.ofNanos(System.nanoTime() - start));
            results.add(result);
            out.println(String.format(Locale.ROOT, "  %s %-4s  %s  (%.1f s)", check.id(),
                    outcome.status().name().toLowerCase(Locale.ROOT), check.title(), result.took().toMillis() / 1000.0));
            out.println("        " + outcome.message());
        }
        int lastStage = checks.stream().mapToInt(Check::stage).max().orElse(0);
        Report report = new Report(server.description(), lastStage, results);
        out.println();
        out.println(report.verdict());
        return report;
    }

    private static Outcome runOne(Check check, CheckContext context, ServerUnderTest server, double slow) {
        String restarted;
        try {
            restarted = server.restartIfExited().map(note -> " (Before this check " + note + ")").orElse("");
        } catch (IOException cannotRestart) {
            return Outcome.fail("the server had exited, and did not start again: " + cannotRestart.getMessage());
        }
        // Its own thread, so that a check stuck in a call without a timeout cannot hang the run.
        FutureTask<Outcome> task = new FutureTask<>(() -> check.run(context));
        Thread runner = Thread.ofPlatform().daemon().name("check " + check.id()).start(task);
        Duration limit = Duration.ofNanos(Math.round(CHECK_LIMIT.toNanos() * slow));
        try {
            Outcome outcome = task.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return restarted.isEmpty() ? outcome : new Outcome(outcome.status(), outcome.message() + restarted);
        } catch (TimeoutException hung) {
            runner.interrupt();
            return Outcome.fail("the check did not finish within " + CheckContext.seconds(limit) + restarted);
        } catch (ExecutionException failed) {
            Throwable cause = failed.getCause();
            return Outcome.fail("the check could not go on: " + cause + restarted);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return Outcome.fail("interrupted");
        }
    }

    /** Just enough JSON for the report: strings escaped as RFC 8259 says. */
    private static final class Json {
        static String string(String text) {
            StringBuilder quoted = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '"' -> quoted.append("\\\"");
                    case '\\' -> quoted.append("\\\\");
                    case '\n' -> quoted.append("\\n");
                    case '\r' -> quoted.append("\\r");
                    case '\t' -> quoted.append("\\t");
                    default -> quoted.append(c < 0x20 ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
                }
            }
            return quoted.append('"').toString();
        }
    }
}
