package dev.echostages.tools.checker;

import dev.echostages.tools.ServerProcess;
import java.io.IOException;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/** Stage 4's checks: what idle connections cost, and a client that sends without reading. */
final class ResourceChecks {
    private ResourceChecks() {
    }

    private static final int IDLE_CONNECTIONS = 100;
    /** At most this share of one core, idle: a loop that polls costs a whole core, a selector next to nothing. */
    private static final double IDLE_CPU_LIMIT = 0.05;
    private static final Duration SETTLE = Duration.ofSeconds(1);
    private static final Duration MEASURE = Duration.ofSeconds(2);

    /**
     * 4.1: 100 silent connections, settle 1 s, measure the server's CPU for 2 s; then they close,
     * settle 1 s, measure 2 s. Both times at most 0.05 of a core. The CPU time is read from
     * outside (the process and its children), so it works for a server in any language.
     */
    static Outcome idleConnectionsCostNoCpu(CheckContext context) throws IOException, InterruptedException {
        if (context.process().isEmpty()) {
            return Outcome.skip("needs the server's process to read its CPU time; under --connect the checker has only a socket");
        }
        ServerProcess process = context.process().get();
        try {
            process.treeCpuNanos();
        } catch (IllegalStateException untold) {
            return Outcome.skip("this system does not tell the server's CPU time: " + untold.getMessage());
        }
        double withClients;
        List<Socket> sockets = new ArrayList<>();
        String refused = "";
        Duration connecting = context.limit(Duration.ofSeconds(3));
        long deadline = System.nanoTime() + connecting.toNanos();
        try {
            for (int i = 0; i < IDLE_CONNECTIONS; i++) {
                // A server that accepts one client at a time leaves the rest in its accept queue;
                // a full queue makes connecting slow, then fail. The CPU is what this check is
                // about, so it measures with the connections it has.
                if (System.nanoTime() > deadline) {
                    refused = " (only " + i + " of " + IDLE_CONNECTIONS + " could connect within " + CheckContext.seconds(connecting) + ")";
                    break;
                }
                Socket socket = new Socket();
                try {
                    socket.connect(context.address(), (int) context.limit(Duration.ofSeconds(2)).toMillis());
                    sockets.add(socket);
                } catch (IOException full) {
                    socket.close();
                    refused = " (only " + i + " of " + IDLE_CONNECTIONS + " could connect: " + full.getMessage() + ")";
                    break;
                }
            }
            Thread.sleep(SETTLE.toMillis());
            withClients = coresUsed(process);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        Thread.sleep(SETTLE.toMillis());
        double afterClients = coresUsed(process);
        String measured = String.format(Locale.ROOT, "%.2f of a core with %d silent connections%s, %.2f after they closed",
                withClients, sockets.size(), refused, afterClients);
        if (withClients > IDLE_CPU_LIMIT) {
            return Outcome.fail(measured + String.format(Locale.ROOT, " (limit %.2f): the server keeps asking sockets that"
                    + " have nothing to say instead of sleeping until the kernel says one is ready"
                    + " (stage 3's busy loop; stage 4's selector fixes it).", IDLE_CPU_LIMIT));
        }
        if (afterClients > IDLE_CPU_LIMIT) {
            return Outcome.fail(measured + String.format(Locale.ROOT, " (limit %.2f): idle while the clients were there,"
                    + " busy once they had gone: the server keeps polling connections that are closed"
                    + " (a loop that never drops them; stage 4 closes a key's channel and forgets it).", IDLE_CPU_LIMIT));
        }
        return Outcome.pass(measured);
    }

    private static double coresUsed(ServerProcess process) throws InterruptedException {
        long cpuBefore = process.treeCpuNanos();
        long before = System.nanoTime();
        Thread.sleep(MEASURE.toMillis());
        long cpu = Math.max(0, process.treeCpuNanos() - cpuBefore);
        return cpu / (double) (System.nanoTime() - before);
    }

    private static final long SEND_TOTAL = 64L << 20;
    /** Room beyond the kernel's buffers: the server's own output bound (64 KiB in the stages) and then some. */
    private static final long SLACK = 4L << 20;
    private static final long SERVER_BUFFERS_COUNTED = 16L << 20;
    /** The client's own buffers, kept small so that the bound says something about the server. */
    private static final int CLIENT_BUFFER = 64 * 1024;

    /**
     * 4.2: a client sends 64 MB of 1 KiB lines and reads nothing. A server with an output bound
     * stops reading it once the echo it cannot send piles up, so the client's writes stall after
     * the kernel's buffers (both directions, both ends) and a few MB at most. Measured from
     * outside, so it works for any server and under {@code --connect}.
     */
    static Outcome clientThatReadsNothingIsThrottled(CheckContext context) throws IOException, InterruptedException {
        OptionalLong serverBuffers = kernelBufferMaximum();
        Duration stall = context.limit(Duration.ofSeconds(1));
        Duration overall = context.limit(Duration.ofSeconds(10));
        long written = 0;
        boolean stalled = false;
        long allowed;
        try (SocketChannel client = SocketChannel.open()) {
            // Set before connecting, so the TCP window is negotiated with them (and Linux does not grow them).
            client.setOption(StandardSocketOptions.SO_RCVBUF, CLIENT_BUFFER);
            client.setOption(StandardSocketOptions.SO_SNDBUF, CLIENT_BUFFER);
            client.connect(context.address());
            client.configureBlocking(false);
            // The kernel may round the sizes up (Linux doubles them); what it reports is what it holds.
            long clientBuffers = client.getOption(StandardSocketOptions.SO_RCVBUF) + client.getOption(StandardSocketOptions.SO_SNDBUF);
            // The server's receive and send buffers: at most the system's maxima, which Linux's
            // autotuning approaches only for a fast reader; counted up to 16 MB, the most a reader
            // that stops (as this check wants) leaves queued on the machines we know. Where the
            // maxima cannot be read (macOS, Windows), those 16 MB.
            allowed = clientBuffers + Math.min(serverBuffers.orElse(SERVER_BUFFERS_COUNTED), SERVER_BUFFERS_COUNTED) + SLACK;

            ByteBuffer lines = ByteBuffer.wrap(("x".repeat(1023) + "\n").repeat(64).getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            long lastProgress = start;
            while (written < SEND_TOTAL) {
                if (!lines.hasRemaining()) {
                    lines.rewind();
                }
                int n = client.write(lines);
                long now = System.nanoTime();
                if (n > 0) {
                    written += n;
                    lastProgress = now;
                } else if (now - lastProgress > stall.toNanos()) {
                    stalled = true;
                    break;
                } else {
                    Thread.sleep(1); // the send buffer is full: give the server a moment to read
                }
                if (now - start > overall.toNanos()) {
                    break;
                }
            }
        }
        String sent = "the client sent " + megabytes(written) + " and read nothing";
        String bound = "the kernel's buffers explain at most " + megabytes(allowed - SLACK) + ", " + megabytes(allowed)
                + " with a few MB to spare";
        if (written > allowed) {
            return Outcome.fail(sent + (stalled ? " before its writes stalled" : ", and its writes never stalled") + "; " + bound
                    + ". The server kept reading a client that does not read its echoes, so the echo it owes piles up in its"
                    + " memory: one such client can exhaust it. A server stops reading above a bound of unsent echo"
                    + " (stage 3's 64 KiB high watermark; stage 4 stops asking for OP_READ).");
        }
        if (!stalled) {
            return Outcome.fail(sent + " in " + CheckContext.seconds(overall) + ", and its writes neither stalled nor finished:"
                    + " the server reads a client that does not read its echoes, slowly but without end.");
        }
        return Outcome.pass(sent + ", then its writes stalled (" + bound + ")");
    }

    /**
     * The most a socket's receive buffer plus its send buffer can grow to on this system (Linux:
     * the third numbers of {@code tcp_rmem} and {@code tcp_wmem}); empty where that cannot be read.
     */
    private static OptionalLong kernelBufferMaximum() {
        try {
            return OptionalLong.of(lastNumber(Path.of("/proc/sys/net/ipv4/tcp_rmem")) + lastNumber(Path.of("/proc/sys/net/ipv4/tcp_wmem")));
        } catch (IOException | RuntimeException notLinux) {
            return OptionalLong.empty(); // no such file (macOS, Windows) or not the expected three numbers
        }
    }

    private static long lastNumber(Path file) throws IOException {
        // Not Files.readString: it sizes its read by the file's size, which /proc reports wrongly.
        String[] numbers = String.join(" ", Files.readAllLines(file)).trim().split("\\s+");
        return Long.parseLong(numbers[numbers.length - 1]);
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / (double) (1 << 20));
    }
}
