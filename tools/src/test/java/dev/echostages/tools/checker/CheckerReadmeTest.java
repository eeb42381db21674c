package dev.echostages.tools.checker;

import dev.echostages.tools.checker.servers.OneReadAtATime;
import dev.echostages.tools.testing.ReadmeTranscripts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The checker's output shown in this module's README is what it prints today. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CheckerReadmeTest {

    @Test
    void readmeTranscriptsAreWhatTheCheckerPrints() throws Exception {
        ReadmeTranscripts.of(Path.of("README.md"))
                .scenario("head-of-line", CheckerReadmeTest::headOfLineFailure)
                .verify();
    }

    /** Check 3.1 against a server whose reads share one lock: stage 2's head-of-line blocking. */
    private static String headOfLineFailure() throws Exception {
        var output = new ByteArrayOutputStream();
        try (ServerUnderTest server = CheckerCatchesBrokenServersTest.start(OneReadAtATime.class)) {
            Checker.check(server, List.of(Check.SILENT_CLIENT), 1, Duration.ofSeconds(5), new PrintStream(output, true, StandardCharsets.UTF_8));
        }
        List<String> lines = output.toString(StandardCharsets.UTF_8).lines().toList();
        int result = lines.indexOf(lines.stream().filter(line -> line.startsWith("  3.1 ")).findFirst().orElseThrow());
        return lines.get(result) + "\n" + lines.get(result + 1);
    }
}
