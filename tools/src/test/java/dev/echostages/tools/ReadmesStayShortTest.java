package dev.echostages.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A README is read in one sitting: each stays within 12,000 bytes, and what does not fit goes in a
 * sibling file linked by one line (EXERCISE.md, CHANGES.md, STRACE.md, the glossary).
 */
class ReadmesStayShortTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final long MAX_BYTES = 12_000;

    @Test
    void everyReadmeFitsInTwelveThousandBytes() throws IOException {
        List<String> tooLong;
        try (Stream<Path> files = Files.walk(ROOT)) {
            tooLong = files.filter(file -> file.getFileName().toString().equals("README.md"))
                    .filter(file -> !ROOT.relativize(file).toString().contains("target"))
                    .filter(file -> !ROOT.relativize(file).startsWith(".git"))
                    .filter(file -> size(file) > MAX_BYTES)
                    .map(file -> ROOT.relativize(file) + " (" + size(file) + " bytes)")
                    .sorted().toList();
        }
        assertEquals(List.of(), tooLong, "READMEs over " + MAX_BYTES + " bytes");
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException gone) {
            return 0;
        }
    }
}
