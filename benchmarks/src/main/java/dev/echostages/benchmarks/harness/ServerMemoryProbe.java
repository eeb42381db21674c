package dev.echostages.benchmarks.harness;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * What a server process holds in memory and threads, read from outside it.
 *
 * <ul>
 * <li><b>RSS and threads</b>: {@code /proc/PID/status} ({@code VmRSS}, {@code Threads}) on Linux:
 * what the kernel charges the process, every thread the JVM has (GC and JIT threads included).
 * Without {@code /proc}: RSS from {@code ps -o rss=} (macOS, BSD), threads from the JVM's
 * {@link ThreadMXBean} (its platform threads only; a server's own threads are all platform
 * threads, so a difference between two readings means the same).</li>
 * <li><b>Live heap</b>: the harness attaches to the server JVM with the JDK's Attach API (the
 * mechanism {@code jcmd} uses), starts its local JMX agent, asks for a full GC
 * ({@link MemoryMXBean#gc()}, as {@code jcmd PID GC.run}) and then reads the heap in use and the
 * direct buffers. After a full GC what remains is what the server still references: buffers,
 * channels, virtual threads' stacks. It costs no extra JVM per reading (a {@code jcmd} would), and
 * it works on every system with a JDK. The JMX agent adds a few threads and some heap to the
 * server; it starts before the first reading, so every reading includes them and the differences
 * between readings do not.</li>
 * </ul>
 *
 * <p>Only JVMs are attached to: on Linux the Attach API wakes its target with SIGQUIT, which
 * would end a Python server. A process is taken for a JVM when it publishes JVM performance data
 * ({@link VirtualMachine#list()}).
 */
public final class ServerMemoryProbe implements AutoCloseable {

    /** One reading; -1 where this system or this server cannot tell. */
    public record Reading(long rssKiB, long threads, long heapKiB, long directKiB) {
    }

    private final long pid;
    private final JMXConnector connector;
    private final MemoryMXBean memory;
    private final ThreadMXBean threads;
    private final List<BufferPoolMXBean> bufferPools;
    /** Why the heap cannot be read, or null when it can. */
    private final String whyNoHeap;

    private ServerMemoryProbe(long pid, JMXConnector connector, String whyNoHeap) throws IOException {
        this.pid = pid;
        this.connector = connector;
        this.whyNoHeap = whyNoHeap;
        if (connector == null) {
            memory = null;
            threads = null;
            bufferPools = List.of();
        } else {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            memory = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
            threads = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
            bufferPools = ManagementFactory.getPlatformMXBeans(server, BufferPoolMXBean.class);
        }
    }

    /** Attaches to {@code pid} if it is a JVM; a probe of any other process reads RSS and threads only. */
    public static ServerMemoryProbe attach(long pid) throws IOException {
        String id = Long.toString(pid);
        if (VirtualMachine.list().stream().noneMatch(vm -> vm.id().equals(id))) {
            return new ServerMemoryProbe(pid, null, "not a JVM (or one without performance data): no heap to read");
        }
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(id);
        } catch (AttachNotSupportedException refused) {
            return new ServerMemoryProbe(pid, null, "the JVM refused the Attach API: " + refused.getMessage());
        }
        try {
            String address = vm.startLocalManagementAgent();
            return new ServerMemoryProbe(pid, JMXConnectorFactory.connect(new JMXServiceURL(address)), null);
        } finally {
            vm.detach(); // the JMX connection stays; the attach connection is no longer needed
        }
    }

    /** Where RSS comes from on this system, or null when it cannot be read (then {@link #whyNoRss} says why). */
    public static String rssSource() {
        if (Portability.whyNoProc().isEmpty()) {
            return "/proc/PID/status VmRSS";
        }
        // Windows has no ps, and a program called ps there (Git Bash, Cygwin) cannot see Windows pids.
        return !Portability.isWindows() && Portability.onPath("ps").isPresent() ? "ps -o rss= -p PID" : null;
    }

    /** Why RSS is not measured here; the report prints it as "not measured". */
    public static String whyNoRss() {
        return Portability.whyNoProc().orElse("no /proc") + (Portability.isWindows()
                ? ", and Windows has no `ps` (its working set would need a native call)" : ", and no `ps` on PATH");
    }

    public static String threadsSource() {
        return Portability.whyNoProc().isEmpty() ? "/proc/PID/status Threads (every thread, the JVM's own included)"
                : "ThreadMXBean of the server JVM (its platform threads; none for a server that is not a JVM)";
    }

    public Optional<String> whyNoHeap() {
        return Optional.ofNullable(whyNoHeap);
    }

    /** Collects the server's garbage (when it is a JVM), then reads everything. */
    public Reading read() throws IOException {
        long heapKiB = -1;
        long directKiB = -1;
        if (memory != null) {
            memory.gc();
            heapKiB = memory.getHeapMemoryUsage().getUsed() / 1024;
            directKiB = bufferPools.stream().filter(pool -> pool.getName().equals("direct"))
                    .mapToLong(BufferPoolMXBean::getMemoryUsed).sum() / 1024;
        }
        long rssKiB = -1;
        long threadCount = -1;
        if (Portability.whyNoProc().isEmpty()) {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rssKiB = Long.parseLong(line.replaceAll("\\D", "")); // "VmRSS:   123456 kB"
                } else if (line.startsWith("Threads:")) {
                    threadCount = Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } else {
            if (rssSource() != null) {
                rssKiB = Long.parseLong(Processes.runChecked(List.of("ps", "-o", "rss=", "-p", Long.toString(pid))).trim());
            }
            if (threads != null) {
                threadCount = threads.getThreadCount();
            }
        }
        return new Reading(rssKiB, threadCount, heapKiB, directKiB);
    }

    @Override
    public void close() throws IOException {
        if (connector != null) {
            connector.close();
        }
    }
}
