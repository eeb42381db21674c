package dev.echostages.benchmarks.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A report names the code it measured: the commit, and whether the tracked files differed from it. */
class MachineFactsTest {

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=test", "-c", "user.email=test@localhost"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, process.waitFor(), "git " + String.join(" ", args) + ": " + output);
        return output;
    }

    private static boolean gitInstalled() {
        try {
            return new ProcessBuilder("git", "--version").start().waitFor() == 0;
        } catch (IOException | InterruptedException absent) {
            return false;
        }
    }

    @Test
    void theCodeMeasuredIsTheCommitAndSaysWhenTrackedFilesDifferedFromIt(@TempDir Path repository) throws Exception {
        assumeTrue(gitInstalled(), "git is not installed");
        git(repository, "init", "-q");
        Files.writeString(repository.resolve("Server.java"), "class Server {}\n");
        git(repository, "add", "Server.java");
        git(repository, "commit", "-q", "-m", "a server");
        String commit = git(repository, "rev-parse", "--short=12", "HEAD");

        assertEquals("commit " + commit, MachineFacts.readCode(repository));
        Files.writeString(repository.resolve("results.json"), "{}\n"); // untracked, as a run's own output is
        assertEquals("commit " + commit, MachineFacts.readCode(repository));
        Files.writeString(repository.resolve("Server.java"), "class Server { int changed; }\n");
        assertEquals("commit " + commit + ", with uncommitted changes to tracked files", MachineFacts.readCode(repository));
    }

    @Test
    void outsideARepositoryTheCodeIsNotRecordedAndTheReasonIsGiven(@TempDir Path notARepository) {
        String code = MachineFacts.readCode(notARepository);
        assertTrue(code.startsWith("not recorded ("), code);
    }
}
