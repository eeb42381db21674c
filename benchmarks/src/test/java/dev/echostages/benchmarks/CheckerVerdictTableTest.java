package dev.echostages.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.benchmarks.harness.RepoRoot;
import dev.echostages.benchmarks.harness.ServerKind;
import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.checker.Check;
import dev.echostages.tools.checker.Checker;
import dev.echostages.tools.checker.Outcome;
import dev.echostages.tools.testing.LinuxOnly;
import dev.echostages.tools.testing.Python3;
import dev.echostages.tools.testing.ReadmeTranscripts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The story of the stages in one table, in the root README: the checker's verdict on every stage,
 * on the two reference servers and on the asyncio example, rows the servers, columns the checks.
 * The table is what the checker says today; regenerate it with
 * {@code ./mvnw -q -pl benchmarks -am verify -Dtest=CheckerVerdictTableTest -Dreadme.update=true}.
 *
 * <p>Linux only: the table shows Linux's verdicts (Windows has no SIGTERM to check, and the
 * kernel buffers that check 4.2 allows for differ by system).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CheckerVerdictTableTest {

    /** The most connections the checker holds at once: check 4.1's idle ones. */
    private static final int MOST_CONNECTIONS = 100;

    private record Row(String label, List<String> command) {
    }

    private record Verdicts(Row row, Checker.Report report) {
    }

    @Test
    void eachStageTurnsAFailureOfTheStageBeforeIntoAPass() throws Exception {
        LinuxOnly.assume("the README's table shows Linux's verdicts");
        Python3.assume("the table's row for the asyncio example");
        List<Verdicts> table = new ArrayList<>();
        ReadmeTranscripts.of(RepoRoot.find().resolve("README.md"))
                .scenario("checker-verdicts", () -> {
                    for (Row row : rows()) {
                        table.add(new Verdicts(row, check(row)));
                    }
                    return render(table);
                })
                .verify();

        // Stage N reaches stage N, and each turns one failure of the stage before into a pass.
        List<Verdicts> stages = table.subList(0, 6);
        int[] reaches = {1, 2, 3, 4, 5, 5};
        for (int i = 0; i < stages.size(); i++) {
            assertEquals(reaches[i], stages.get(i).report().reached(), stages.get(i).row().label());
            if (i > 0 && i < 5) {
                List<Check> before = stages.get(i - 1).report().failed();
                List<Check> now = stages.get(i).report().failed();
                assertTrue(before.stream().anyMatch(check -> !now.contains(check)),
                        stages.get(i).row().label() + " fails " + now + ", the stage before " + before);
            }
        }
    }

    private static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("stage 1 blocking", stageJar("stage1-blocking")));
        rows.add(new Row("stage 2 multi-client", stageJar("stage2-multiclient")));
        for (ServerKind kind : List.of(ServerKind.BUSYLOOP, ServerKind.SELECTOR, ServerKind.VIRTUAL, ServerKind.NIO2,
                ServerKind.THREADS, ServerKind.NETTY)) {
            rows.add(new Row(kind.label(), onPlaceholderPort(kind.command(MOST_CONNECTIONS))));
        }
        rows.add(new Row("asyncio example (Python)", List.of("python3",
                RepoRoot.find().resolve("benchmarks/python/asyncio_echo.py").toString(), "--port", "{port}")));
        return rows;
    }

    /** Stages 1 and 2 as the benchmarks start the others: their jar, logging off. */
    private static List<String> stageJar(String module) {
        return List.of(ServerProcess.javaBinary(), "-jar", RepoRoot.find().resolve(module).resolve("target").resolve(module + ".jar").toString(),
                "--host", "127.0.0.1", "--port", "{port}", "--quiet");
    }

    /** The benchmarks' command for a server, with the checker's free port instead of port 0. */
    private static List<String> onPlaceholderPort(List<String> command) {
        List<String> changed = new ArrayList<>(command);
        changed.set(changed.indexOf("--port") + 1, "{port}");
        return changed;
    }

    private static Checker.Report check(Row row) throws IOException {
        var output = new ByteArrayOutputStream();
        Checker.Report report = Checker.checkCommand(row.command(), Check.LAST_STAGE, new PrintStream(output, true, StandardCharsets.UTF_8));
        System.out.println(output.toString(StandardCharsets.UTF_8)); // the whole run, in the test's output file
        return report;
    }

    private static String render(List<Verdicts> table) {
        int width = table.stream().mapToInt(verdicts -> verdicts.row().label().length()).max().orElse(10) + 2;
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", "server"));
        for (Check check : Check.values()) {
            text.append(String.format(Locale.ROOT, "%-5s", check.id()));
        }
        text.append("reaches\n");
        for (Verdicts verdicts : table) {
            text.append(String.format(Locale.ROOT, "%-" + width + "s", verdicts.row().label()));
            for (Check check : Check.values()) {
                Outcome.Status status = verdicts.report().result(check).orElseThrow().outcome().status();
                text.append(String.format(Locale.ROOT, "%-5s", switch (status) {
                    case PASS -> " ✓";
                    case FAIL -> " ✗";
                    case SKIP -> " -";
                }));
            }
            int reached = verdicts.report().reached();
            text.append(reached == 0 ? "none" : "stage " + reached).append('\n');
        }
        text.append(Check.upToStage(Check.LAST_STAGE).stream().map(check -> check.id() + " " + check.shortName())
                .collect(Collectors.joining(" · ")));
        return text.toString();
    }
}
