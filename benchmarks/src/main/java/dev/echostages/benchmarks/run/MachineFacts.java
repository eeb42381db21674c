package dev.echostages.benchmarks.run;

import dev.echostages.benchmarks.harness.RepoRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The machine a run ran on, read when it ran and kept with its results, so that a report
 * regenerated elsewhere still describes the machine that produced the numbers. A figure this
 * system cannot give says "not measured" and why. {@code code} is the commit the servers were
 * built from, as git names it when the run starts, so a reader can check out the code measured.
 */
public record MachineFacts(String cpuModel, int cores, String kernel, String os, String jdk, String date, String code) {

    public static MachineFacts ofThisMachine() {
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " (" + System.getProperty("os.arch") + ")";
        return new MachineFacts(readCpuModel(), Runtime.getRuntime().availableProcessors(), readKernel(), os,
                System.getProperty("java.vm.name") + " " + Runtime.version(),
                DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0)) + " UTC",
                readCode(RepoRoot.find()));
    }

    /** "commit 0123456789ab", and whether tracked files differed from it; "not recorded" and why without git. */
    static String readCode(Path repository) {
        try {
            String commit = git(repository, "rev-parse", "--short=12", "HEAD");
            String changed = git(repository, "status", "--porcelain", "--untracked-files=no");
            return "commit " + commit + (changed.isEmpty() ? "" : ", with uncommitted changes to tracked files");
        } catch (IOException noGit) {
            return "not recorded (" + noGit.getMessage() + ")";
        }
    }

    private static String git(Path repository, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("git", "-C", repository.toString()));
        command.addAll(List.of(args));
        Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!git.waitFor(10, TimeUnit.SECONDS) || git.exitValue() != 0) {
                git.destroyForcibly();
                throw new IOException("git " + args[0] + " failed: " + output);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking git", interrupted);
        }
        return output;
    }

    /** Linux names the CPU in /proc/cpuinfo; other systems have no such file, and the JDK has no portable call. */
    private static String readCpuModel() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return "not measured (no /proc/cpuinfo on this system)";
        }
        try {
            return Files.readAllLines(cpuinfo).stream().filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst()
                    .orElse("not measured (no model name in /proc/cpuinfo)");
        } catch (IOException unreadable) {
            return "not measured (" + unreadable.getMessage() + ")";
        }
    }

    /** The running kernel's release on Linux; elsewhere os.version is the closest the JDK knows. */
    private static String readKernel() {
        Path release = Path.of("/proc/sys/kernel/osrelease");
        try {
            return Files.isReadable(release) ? Files.readString(release).trim() : System.getProperty("os.version");
        } catch (IOException unreadable) {
            return "not measured (" + unreadable.getMessage() + ")";
        }
    }
}
