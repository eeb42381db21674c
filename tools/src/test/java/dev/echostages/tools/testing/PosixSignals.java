package dev.echostages.tools.testing;

import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/**
 * For the tests that stop a server process the way Ctrl-C does and check how it ended (its
 * shutdown log, status 0). That needs SIGTERM: on Windows {@code Process.destroy()} terminates the
 * process at once, no shutdown hook runs, and there is no graceful stop to test. Such a test is
 * skipped there with that reason; Linux and macOS run it.
 */
public final class PosixSignals {
    private PosixSignals() {
    }

    public static boolean available() {
        return !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    public static void assume() {
        Assumptions.assumeTrue(available(), "skipped: needs SIGTERM and a shutdown hook; on "
                + System.getProperty("os.name") + " Process.destroy() terminates the server at once");
    }
}
