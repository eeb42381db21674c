package dev.echostages.tools.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.testing.ReadmeTranscripts.Ordering;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README transcript check itself, on small READMEs written for the occasion. */
class ReadmeTranscriptsTest {

    private static final String README = """
            # A stage

            Some prose that is never compared.

            <!-- transcript:log -->
            ```
            Listening on 127.0.0.1:8000
            11:31:04.542 /127.0.0.1:60990 connected
            11:31:05.025 /127.0.0.1:60990 disconnected after 0.5 s
            ```
            <!-- /transcript -->

            More prose.
            """;

    @TempDir
    Path dir;

    private Path readme(String text) throws Exception {
        return Files.writeString(dir.resolve("README.md"), text);
    }

    @Test
    void outputThatDiffersOnlyInTimesAndPortsMatches() throws Exception {
        ReadmeTranscripts.of(readme(README))
                .scenario("log", () -> """
                        Listening on 127.0.0.1:41235
                        09:02:17.001 /127.0.0.1:51000 connected
                        09:02:19.120 /127.0.0.1:51000 disconnected after 12.25 s
                        """)
                .check();
    }

    @Test
    void aChangedWordFailsWithADiffAndTheRegenerateCommand() throws Exception {
        Path file = readme(README);
        AssertionError failure = assertThrows(AssertionError.class, () -> ReadmeTranscripts.of(file)
                .scenario("log", () -> """
                        Listening on 127.0.0.1:41235
                        09:02:17.001 /127.0.0.1:51000 accepted
                        09:02:19.120 /127.0.0.1:51000 disconnected after 12.25 s
                        """)
                .check());
        String message = failure.getMessage();
        assertTrue(message.contains("  - HH:MM:SS.mmm /127.0.0.1:PORT connected"), message);
        assertTrue(message.contains("  + HH:MM:SS.mmm /127.0.0.1:PORT accepted"), message);
        assertTrue(message.contains("    Listening on 127.0.0.1:PORT"), message);
        assertTrue(message.contains("-Dreadme.update=true"), message);
    }

    @Test
    void aBlockWithoutScenarioAndAScenarioWithoutBlockAreBothErrors() throws Exception {
        Path file = readme(README);
        AssertionError failure = assertThrows(AssertionError.class, () -> ReadmeTranscripts.of(file)
                .scenario("lgo", () -> "")
                .check());
        assertTrue(failure.getMessage().contains("block 'log' (line 6) has no scenario"), failure.getMessage());
        assertTrue(failure.getMessage().contains("scenario 'lgo' has no block"), failure.getMessage());
    }

    @Test
    void markersInsideAFourBacktickFenceAreAnExampleNotABlock() throws Exception {
        String example = "````\n<!-- transcript:example -->\n```\nwhatever\n```\n<!-- /transcript -->\n````\n";
        ReadmeTranscripts.of(readme(example + README))
                .scenario("log", () -> README.substring(README.indexOf("Listening"), README.indexOf("```\n<!-- /transcript")))
                .check();
    }

    @Test
    void updateRewritesTheBlockAndNothingElse() throws Exception {
        Path file = readme(README.replace("\n", "\r\n")); // as a Windows checkout has it
        ReadmeTranscripts.of(file).scenario("log", () -> "Listening on 127.0.0.1:8000\nsomething new\n").update();
        String expected = README.replace("""
                11:31:04.542 /127.0.0.1:60990 connected
                11:31:05.025 /127.0.0.1:60990 disconnected after 0.5 s
                """, "something new\n").replace("\n", "\r\n");
        assertEquals(expected, Files.readString(file));
    }

    @Test
    void updateLeavesABlockThatStillMatchesAsItWas() throws Exception {
        Path file = readme(README);
        ReadmeTranscripts.of(file).scenario("log", () -> """
                Listening on 127.0.0.1:8000
                09:02:17.001 /127.0.0.1:51000 connected
                09:02:19.120 /127.0.0.1:51000 disconnected after 12.25 s
                """).update();
        assertEquals(README, Files.readString(file), "only new times and ports: no churn in git diff");
    }

    @Test
    void linesOfTheSameMomentMayComeInEitherOrderWhenAllowed() throws Exception {
        Path file = readme("""
                <!-- transcript:timeline -->
                ```
                   +4.286s  server  echoing: A again
                   +4.286s  A       gets its echo
                   +4.937s  A       leaves
                ```
                <!-- /transcript -->
                """);
        String swapped = """
                   +4.190s  A       gets its echo
                   +4.191s  server  echoing: A again
                   +4.250s  A       leaves
                """;
        ReadmeTranscripts.of(file).scenario("timeline", Ordering.SAME_MOMENT_IN_ANY_ORDER, () -> swapped).check();
        assertThrows(AssertionError.class, () -> ReadmeTranscripts.of(file).scenario("timeline", () -> swapped).check());
        String leftBeforeItsEcho = """
                   +4.190s  server  echoing: A again
                   +4.200s  A       leaves
                   +4.950s  A       gets its echo
                """;
        assertThrows(AssertionError.class, () -> ReadmeTranscripts.of(file)
                .scenario("timeline", Ordering.SAME_MOMENT_IN_ANY_ORDER, () -> leftBeforeItsEcho).check(),
                "far apart in both runs: a real change of order");
    }
}
