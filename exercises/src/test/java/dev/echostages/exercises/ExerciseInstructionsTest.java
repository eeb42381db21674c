package dev.echostages.exercises;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A student gets from an EXERCISE.md to a check with nothing else: the file it names to edit is
 * the one the build wrote, the command it gives is the one this module runs, and the stage's
 * README links it.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ExerciseInstructionsTest {

    @ParameterizedTest(name = "exercise {0}: {1}/EXERCISE.md")
    @CsvSource({
            "2, stage2-multiclient, stage1",
            "3, stage3-nonblocking-busyloop, stage2",
            "4, stage4-selector, stage3",
            "5, stage5-async, stage1"})
    void theInstructionsNameTheFileToEditAndTheCommandThatChecksIt(int exercise, String stage, String from) throws IOException {
        Path root = Path.of("..");
        String instructions = Files.readString(root.resolve(stage).resolve("EXERCISE.md"), StandardCharsets.UTF_8);
        String yours = "exercises/src/main/java/dev/echostages/" + from + "/Exercise" + exercise + "Server.java";
        assertTrue(Files.isRegularFile(root.resolve(yours)), yours + " was not written by the build");
        assertTrue(instructions.contains("`" + yours + "`"), stage + "/EXERCISE.md does not name " + yours);
        String command = "./mvnw -q -pl exercises -am package -DskipTests -Dexercise=" + exercise;
        assertTrue(instructions.contains(command), stage + "/EXERCISE.md does not give " + command);
        String readme = Files.readString(root.resolve(stage).resolve("README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("](EXERCISE.md)"), stage + "/README.md does not link its EXERCISE.md");
    }
}
