package dev.echostages.tools.testing;

import dev.echostages.tools.ServerProcess;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/**
 * For the few lessons that only Linux can show here (a child process under {@code ulimit -n}, a
 * thread's wait in the run queue from {@code /proc}, CPU pinning with {@code taskset}). Elsewhere
 * such a test is skipped with a message that says why: never failed, never silently passed.
 *
 * <p>{@code -Dechostages.portable=true} (or {@code ECHOSTAGES_FORCE_PORTABLE=1}, see
 * {@link ServerProcess#portableForced()}) makes this Linux machine behave as if it were not Linux,
 * so the portable paths can be proved here too.
 */
public final class LinuxOnly {
    private LinuxOnly() {
    }

    /** True on Linux unless the portable paths are forced. */
    public static boolean available() {
        return !ServerProcess.portableForced() && System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    }

    /** Skips the calling test, saying what it needs and why, unless this is Linux. */
    public static void assume(String whyLinux) {
        Assumptions.assumeTrue(available(), () -> "skipped: needs Linux (" + whyLinux + "); this is "
                + System.getProperty("os.name") + (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                        ? " with -Dechostages.portable=true" : ""));
    }
}
