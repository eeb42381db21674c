package dev.echostages.benchmarks.harness;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the repository's root directory, where the stage modules and their jars live, whether
 * the benchmarks run from Maven (working directory {@code benchmarks/}), from the repository root
 * with {@code java -jar}, or in a JMH fork. {@code -Dechostages.root=DIR} overrides the search.
 */
public final class RepoRoot {
    public static final String PROPERTY = "echostages.root";

    private RepoRoot() {
    }

    public static Path find() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null) {
            return requireRoot(Path.of(configured));
        }
        Path fromWorkingDirectory = search(Path.of("").toAbsolutePath());
        if (fromWorkingDirectory != null) {
            return fromWorkingDirectory;
        }
        try {
            Path code = Path.of(RepoRoot.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path fromCode = search(code.toAbsolutePath());
            if (fromCode != null) {
                return fromCode;
            }
        } catch (URISyntaxException | SecurityException | NullPointerException unknownLocation) {
            // No code location to search from: the message below says what to do instead.
        }
        throw new IllegalStateException("cannot find the echo-stages repository above "
                + Path.of("").toAbsolutePath() + "; run from inside it or pass -D" + PROPERTY + "=DIR");
    }

    private static Path search(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (isRoot(dir)) {
                return dir;
            }
        }
        return null;
    }

    private static boolean isRoot(Path dir) {
        return Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("benchmarks"))
                && Files.isDirectory(dir.resolve("stage4-selector"));
    }

    private static Path requireRoot(Path dir) {
        if (!isRoot(dir)) {
            throw new IllegalStateException(dir + " is not the echo-stages repository root");
        }
        return dir.toAbsolutePath();
    }
}
