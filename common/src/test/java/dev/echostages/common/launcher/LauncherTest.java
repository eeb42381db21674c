package dev.echostages.common.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher: its reading of Java versions, its hint under an old java, its rule for "built". */
class LauncherTest {

    @Test
    void readsTheFeatureReleaseOfOldAndNewVersionStrings() {
        assertEquals(8, Launcher.feature("1.8"));
        assertEquals(17, Launcher.feature("17"));
        assertEquals(21, Launcher.feature("21"));
        assertEquals(25, Launcher.feature("25.0"));
    }

    @Test
    void anUnreadableVersionIsLeftToTheJvmToJudge() {
        assertEquals(21, Launcher.feature("weird"));
    }

    @Test
    void theJavaJarHintKeepsEveryOptionQuotedForTheShell() {
        String[] typed = {"--carriers", "1", "--debug", "--host", "it's here", ""};
        assertEquals(" --carriers 1 --debug --host 'it'\\''s here' ''", Launcher.quotedArguments(typed, false));
        assertEquals(" --carriers 1 --debug --host \"it's here\" \"\"", Launcher.quotedArguments(typed, true));
        String hint = Launcher.wrongJava(new File("stage3-nonblocking-busyloop/target/stage3-nonblocking-busyloop.jar"),
                new String[] {"--naive", "--port", "9000"});
        assertTrue(hint.contains("stage3-nonblocking-busyloop.jar --naive --port 9000\n"), hint);
        assertTrue(hint.endsWith(" stage3 --naive --port 9000"), hint);
    }

    @Test
    void aJarIsBuiltWhenNoSourceIsNewerThanIt(@TempDir Path folder) throws Exception {
        Path jar = folder.resolve("stage.jar");
        Path source = Files.createDirectories(folder.resolve("src/main/java")).resolve("Server.java");
        Files.writeString(source, "class Server {}");
        List<String> sources = List.of(folder.resolve("src").toString(), folder.resolve("pom.xml").toString());
        assertTrue(Launcher.notBuiltBecause(jar.toFile(), sources).endsWith("stage.jar is missing"));

        Files.writeString(jar, "built");
        Files.setLastModifiedTime(source, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        assertNull(Launcher.notBuiltBecause(jar.toFile(), sources));

        Files.setLastModifiedTime(source, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertTrue(Launcher.notBuiltBecause(jar.toFile(), sources).endsWith("Server.java is newer than its jar"));
    }
}
