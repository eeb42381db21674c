package dev.echostages.benchmarks.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the server and the client run. On a small VM this decides a round trip more than the
 * server's design does: a waiter on the same core as its peer is woken almost for free, one on
 * another core pays for an inter-processor wake-up, and a spinner on another core pays nothing
 * because it never sleeps. So placement is a benchmark parameter, set with {@code taskset}.
 *
 * <p>The server process is started under {@code taskset -c CPU} (all its threads). The client is
 * the JMH benchmark thread, pinned with {@code taskset -p} on its own kernel thread id.
 */
public enum Placement {
    /** Server and client share the first allowed CPU. */
    SAME_CORE("same-core"),
    /** Server on the first allowed CPU, client on the second. */
    SPLIT("split"),
    /** Neither is pinned: the scheduler decides, and may move them. */
    UNPINNED("unpinned");

    private final String id;

    Placement(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Placement byId(String id) {
        for (Placement placement : values()) {
            if (placement.id.equals(id)) {
                return placement;
            }
        }
        throw new IllegalArgumentException("no placement '" + id + "'; known: same-core, split, unpinned");
    }

    /** The CPU list for the server's {@code taskset -c}, or null when it is not pinned. */
    public String serverCpu() {
        return this == UNPINNED ? null : Integer.toString(allowedCpus().get(0));
    }

    /** The CPU the client thread is pinned to, or null when it is not pinned. */
    public String clientCpu() {
        return switch (this) {
            case SAME_CORE -> Integer.toString(allowedCpus().get(0));
            case SPLIT -> {
                List<Integer> cpus = allowedCpus();
                if (cpus.size() < 2) {
                    throw new IllegalStateException("placement 'split' needs two CPUs; this process may use " + cpus);
                }
                yield Integer.toString(cpus.get(1));
            }
            case UNPINNED -> null;
        };
    }

    /** For the report: what this placement meant on this machine. */
    public String describe() {
        return switch (this) {
            case SAME_CORE -> "server and client both on CPU " + serverCpu();
            case SPLIT -> "server on CPU " + serverCpu() + ", client on CPU " + clientCpu();
            case UNPINNED -> "no pinning, the scheduler places both";
        };
    }

    /** Pins the calling thread (only it, not its JVM) to {@link #clientCpu()}, if any. */
    public void pinCurrentThread() {
        if (this == UNPINNED) {
            return; // nothing to do, and nothing Linux-only to ask: this is the placement every system can run
        }
        String cpu = clientCpu();
        if (cpu != null) {
            Processes.runChecked(List.of("taskset", "-p", "-c", cpu, Long.toString(currentThreadId())));
        }
    }

    /** The kernel's id for the calling thread: /proc/thread-self links to /proc/PID/task/TID. */
    public static long currentThreadId() {
        try {
            Path link = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            return Long.parseLong(link.getFileName().toString());
        } catch (IOException | NumberFormatException noProc) {
            throw new IllegalStateException("cannot find this thread's id in /proc (Linux only)", noProc);
        }
    }

    /** The CPUs this process may run on, from /proc/self/status (a container may allow only some). */
    static List<Integer> allowedCpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return parseCpuList(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        } catch (IOException noProc) {
            throw new IllegalStateException("cannot read /proc/self/status (Linux only)", noProc);
        }
        throw new IllegalStateException("no Cpus_allowed_list in /proc/self/status");
    }

    /** "0-1,4" becomes [0, 1, 4]. */
    static List<Integer> parseCpuList(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : list.split(",")) {
            String[] range = part.split("-");
            int first = Integer.parseInt(range[0].trim());
            int last = range.length > 1 ? Integer.parseInt(range[1].trim()) : first;
            for (int cpu = first; cpu <= last; cpu++) {
                cpus.add(cpu);
            }
        }
        return cpus;
    }
}
