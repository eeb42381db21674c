package dev.echostages.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.testing.LessonDiffs;
import dev.echostages.tools.testing.ReadmeTranscripts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every stage's CHANGES.md is the real diff of its lesson file against the stage it grows from,
 * and its README's lesson-diff block says how many lines that is. {@code -Dreadme.update=true}
 * rewrites both.
 */
class LessonDiffsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String BEGIN = "<!-- lesson-diff -->\n";
    private static final String END = "<!-- /lesson-diff -->";

    private static boolean updating() {
        return Boolean.getBoolean(ReadmeTranscripts.UPDATE_PROPERTY);
    }

    /**
     * Stages 1 to 2, 3 to 4, and the virtual-thread server against stage 1 retell the same code
     * with one idea changed, so their diffs stay small (2 to 3 is the move to non-blocking
     * channels: a rewrite by nature). {@code git diff --no-index --numstat} counts the same.
     */
    @Test
    void aLessonChangesAtMost150LinesOfTheCodeItGrowsFrom() throws IOException {
        StringBuilder over = new StringBuilder();
        for (LessonDiffs.Lesson lesson : LessonDiffs.LESSONS) {
            if (lesson.module().startsWith("stage3")) {
                continue;
            }
            LessonDiffs.Stat stat = LessonDiffs.stat(lesson, ROOT);
            if (stat.changed() > 150) {
                over.append(lesson.file()).append(": ").append(stat).append("; ");
            }
        }
        assertEquals("", over.toString(), "a lesson's diff grew past 150 lines: keep the same names, steps and comments as the stage before");
    }

    @Test
    void eachStagesChangesFileIsTheDiffOfItsLessonFromTheStageBefore() throws IOException {
        Set<String> modules = new LinkedHashSet<>();
        LessonDiffs.LESSONS.forEach(lesson -> modules.add(lesson.module()));
        StringBuilder stale = new StringBuilder();
        for (String module : modules) {
            Path changes = ROOT.resolve(module).resolve("CHANGES.md");
            String fresh = LessonDiffs.changesFile(module, ROOT);
            String now = Files.exists(changes) ? Files.readString(changes, StandardCharsets.UTF_8) : "";
            if (!fresh.equals(now)) {
                if (updating()) {
                    Files.writeString(changes, fresh, StandardCharsets.UTF_8);
                } else {
                    stale.append(module).append("/CHANGES.md ");
                }
            }
            Path readme = ROOT.resolve(module).resolve("README.md");
            String text = Files.readString(readme, StandardCharsets.UTF_8);
            int begin = text.indexOf(BEGIN);
            int end = text.indexOf(END);
            assertTrue(begin >= 0 && end > begin, module + "/README.md has no " + BEGIN.strip() + " block");
            String block = LessonDiffs.readmeBlock(module, ROOT);
            String current = text.substring(begin + BEGIN.length(), end);
            if (!block.equals(current)) {
                if (updating()) {
                    Files.writeString(readme, text.substring(0, begin + BEGIN.length()) + block + text.substring(end), StandardCharsets.UTF_8);
                } else {
                    stale.append(module).append("/README.md ");
                }
            }
        }
        assertEquals("", stale.toString(), "stale lesson diffs; regenerate with -Dreadme.update=true and review with git diff");
    }
}
