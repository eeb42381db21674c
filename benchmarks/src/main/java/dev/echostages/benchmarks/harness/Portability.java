package dev.echostages.benchmarks.harness;

import dev.echostages.tools.ServerProcess;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What this machine offers the harness beyond plain Java: {@code taskset} to pin server and
 * client to CPUs, and {@code /proc} to read a process's CPU time, memory and threads. Linux has
 * both; macOS and Windows have neither, and a minimal Linux container may lack {@code taskset}.
 * Every benchmark still runs without them: placements other than {@code unpinned} are left out,
 * CPU time comes from {@link ProcessHandle}, and the report says which paths were taken and why.
 *
 * <p>{@code -Dechostages.portable=true} (or {@code ECHOSTAGES_FORCE_PORTABLE=1}) forces the
 * paths a machine without them takes, so they can be tested on Linux; see
 * {@link ServerProcess#portableForced()}.
 */
public final class Portability {
    private Portability() {
    }

    /** Empty when {@code taskset} can pin; otherwise the reason, as the report prints it. */
    public static Optional<String> whyNoTaskset() {
        if (ServerProcess.portableForced()) {
            return Optional.of("the portable paths are forced (-D" + ServerProcess.PORTABLE_PROPERTY + "=true or "
                    + ServerProcess.PORTABLE_ENVIRONMENT + "=1)");
        }
        if (!Files.isReadable(Path.of("/proc/self/status"))) {
            return Optional.of("this system has no /proc (not Linux), so no CPU list to pin to and no `taskset`");
        }
        if (onPath("taskset").isEmpty()) {
            return Optional.of("`taskset` is not on PATH (on Debian and Ubuntu it comes with util-linux)");
        }
        return Optional.empty();
    }

    /** Empty when {@code /proc/PID/...} can be read; otherwise why not. */
    public static Optional<String> whyNoProc() {
        if (ServerProcess.portableForced()) {
            return Optional.of("the portable paths are forced (-D" + ServerProcess.PORTABLE_PROPERTY + "=true or "
                    + ServerProcess.PORTABLE_ENVIRONMENT + "=1)");
        }
        return ServerProcess.procAvailable() ? Optional.empty() : Optional.of("this system has no /proc (not Linux)");
    }

    /** Windows: no /proc, no taskset, no ps; the harness takes its portable paths and says so. */
    public static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }

    /**
     * The program's path, searched the way a shell would ({@code PATH}), without running it:
     * running a missing program is what used to fail with "Cannot run program taskset".
     */
    static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
