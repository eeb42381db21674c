package dev.echostages.stage5;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a student reads to learn stage 5 is three files, and the README says so: the virtual-thread
 * server, and the channels server with its connection. They stay short enough to read in one
 * sitting, and they keep each model's I/O calls: moving the loop out would shorten the file, not
 * the lesson. Everything else in the module only hardens them (the README's pitfalls).
 */
class LessonFilesTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/echostages/stage5");

    private static String read(String file) throws IOException {
        return Files.readString(SOURCES.resolve(file), StandardCharsets.UTF_8);
    }

    private static long lines(String file) throws IOException {
        return read(file).lines().count();
    }

    @Test
    void theVirtualThreadServerIsOneShortFileWithItsBlockingCalls() throws IOException {
        long lines = lines("VirtualThreadEchoServer.java");
        assertTrue(lines <= 150, "VirtualThreadEchoServer.java: " + lines + " lines, more than 150");
        String text = read("VirtualThreadEchoServer.java");
        for (String call : List.of("listener.accept()", "Thread.ofVirtual().start(", " in.read(", "client.out.write(")) {
            assertTrue(text.contains(call), "the lesson's call " + call + " is no longer in VirtualThreadEchoServer.java");
        }
    }

    @Test
    void theChannelsServerAndItsConnectionAreShortAndHoldTheCompletionHandlers() throws IOException {
        long lines = lines("ChannelsEchoServer.java") + lines("ChannelsConnection.java");
        assertTrue(lines <= 250, "ChannelsEchoServer.java + ChannelsConnection.java: " + lines + " lines, more than 250");
        String both = read("ChannelsEchoServer.java") + read("ChannelsConnection.java");
        for (String call : List.of(".accept(", "channel.read(", "channel.write(", "void completed(", "void failed(")) {
            assertTrue(both.contains(call), "the lesson's call " + call + " is no longer in the channels server's two files");
        }
    }

    @Test
    void theReadmeNamesTheThreeFilesAsWhatAStudentReads() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int readingPath = readme.indexOf("**What a student reads:**");
        assertTrue(readingPath > 0, "the README no longer says what a student reads");
        String before = readme.substring(0, readingPath);
        for (String file : List.of("VirtualThreadEchoServer.java", "ChannelsEchoServer.java", "ChannelsConnection.java")) {
            assertTrue(before.contains("(src/main/java/dev/echostages/stage5/" + file + ")"), "the README's reading path does not link " + file);
        }
    }
}
