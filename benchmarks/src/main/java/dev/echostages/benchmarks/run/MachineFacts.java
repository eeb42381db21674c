package dev.echostages.benchmarks.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The machine a run ran on, read when it ran and kept with its results, so that a report
 * regenerated elsewhere still describes the machine that produced the numbers. A figure this
 * system cannot give says "not measured" and why.
 */
public record MachineFacts(String cpuModel, int cores, String kernel, String os, String jdk, String date) {

    public static MachineFacts ofThisMachine() {
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " (" + System.getProperty("os.arch") + ")";
        return new MachineFacts(readCpuModel(), Runtime.getRuntime().availableProcessors(), readKernel(), os,
                System.getProperty("java.vm.name") + " " + Runtime.version(),
                DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0)) + " UTC");
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
