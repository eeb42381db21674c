package dev.echostages.tools.testing;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * For the tests that run a server written in Python (the checker works with any language). The
 * build never installs Python: where {@code python3} does not run, such a test is skipped, saying so.
 */
public final class Python3 {
    private Python3() {
    }

    public static boolean available() {
        try {
            Process python = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            python.getInputStream().readAllBytes();
            return python.waitFor(10, TimeUnit.SECONDS) && python.exitValue() == 0;
        } catch (IOException absent) {
            return false;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Skips the calling test unless {@code python3} runs here. */
    public static void assume(String whatNeedsIt) {
        Assumptions.assumeTrue(available(), () -> "skipped: " + whatNeedsIt + " needs python3, and it does not run here");
    }
}
