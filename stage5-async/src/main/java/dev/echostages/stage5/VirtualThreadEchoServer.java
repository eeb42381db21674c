package dev.echostages.stage5;

import dev.echostages.common.Bytes;
import dev.echostages.common.Closer;
import dev.echostages.common.EchoServer;
import dev.echostages.common.LineFramer;
import dev.echostages.common.LineFramer.LineTooLongException;
import dev.echostages.common.Log;
import dev.echostages.common.Protocol;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stage 5, the virtual-thread server: one cheap thread per client, plain blocking code.
 *
 * <p>This is stage 1's code again, almost line for line: {@code read()}, find the lines, {@code
 * write()} them back. What changed is the thread it runs on. Each client gets its own virtual
 * thread, and a virtual thread that blocks in {@code read()} does not hold an OS thread: the JDK
 * unmounts it, registers its socket with an epoll-based poller (stage 4's selector, hidden inside
 * the JDK) and mounts it again on a carrier thread when bytes arrive. asyncio's coroutine suspends
 * at {@code await sock_recv()}; a virtual thread suspends inside {@code read()}. Thousands of
 * idle clients cost thousands of small stacks on the heap, not thousands of OS threads.
 *
 * <p>What you will see: every client served at once, each log line naming its client; with
 * {@code --carriers 1} every "connected" line shows the same carrier ({@code ForkJoinPool-1-worker-1}):
 * one OS thread serves everybody, like asyncio's single event loop. Type {@code boom} and that
 * client's handler throws; the error is logged with the client's address and the stack trace,
 * that client is closed, everybody else carries on. Ctrl-C stops accepting at once, lets the
 * connected clients finish within one grace period ({@code --grace-ms}), then closes the rest.
 *
 * <p>What goes wrong: the blocking style hides where a thread waits and what it holds meanwhile.
 * Each client owns its read buffer and its parked stack, about 12 KiB per idle client (5,000
 * idle clients: 63 MB of heap, measured; stage 4's single loop shares one buffer). A handler that
 * computes instead of waiting is never preempted: with {@code --carriers 1} it stalls everybody,
 * just as blocking code stalls asyncio's loop. And before JDK 24 a virtual thread that blocks
 * inside {@code synchronized} pins its carrier, which is why no lock is held around socket I/O.
 */
public final class VirtualThreadEchoServer implements EchoServer {

    /** Bytes per read; a line longer than this is collected across reads by the framer. */
    private static final int READ_CHUNK = 8 * 1024;

    private final ServerSocket listener;
    private final Log log;
    private final int maxLine;
    private final int maxClients;
    private final long graceMillis;
    /** One permit per client we may serve; the client that finds none is told so and closed. */
    private final Semaphore clientSlots;
    /** Every connected client's socket and the virtual thread serving it, so that a stop can wait for them. */
    private final Map<Socket, Thread> clients = new ConcurrentHashMap<>();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile boolean stopping;
    private volatile boolean serving;
    /** Released by {@code serve()} once the stop is complete: every client finished or closed. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    public VirtualThreadEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.maxClients = options.intValue("--max-clients");
        this.graceMillis = options.intValue("--grace-ms");
        this.clientSlots = new Semaphore(maxClients);
        listener = new ServerSocket();
        listener.setReuseAddress(true); // restart at once even with old connections in TIME_WAIT
        // A deep backlog: a thousand clients connecting at once must not be turned away by the kernel.
        listener.bind(options.bindAddress(), 4096);
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    @Override
    public void serve() throws IOException {
        serving = true;
        String carriers = System.getProperty("jdk.virtualThreadScheduler.parallelism");
        log.event("one virtual thread per client, carried by " + (carriers != null
                ? carriers + " OS thread(s) (--carriers)"
                : Runtime.getRuntime().availableProcessors() + " OS thread(s), one per core"));
        try {
            acceptUntilStopped();
            finishClients();
        } finally {
            stopped.countDown();
        }
    }

    private void acceptUntilStopped() throws IOException {
        long connectionNumber = 0;
        while (!stopping) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException acceptFailed) {
                if (stopping) {
                    return; // stop() closed the listener: the normal way out
                }
                // Typically "Too many open files": the clients already connected deserve to be
                // served on, so log it, wait a moment for some of them to leave, and try again.
                log.error(localAddress(), "accept failed, retrying in 100 ms", acceptFailed);
                sleepBeforeRetry();
                continue;
            }
            SocketAddress address = socket.getRemoteSocketAddress();
            if (stopping) {
                // Accepted in the instant before the listener closed: refuse it like the rest.
                log.event(address, "connected during shutdown: closing it");
                Closer.close(socket, log);
                return;
            }
            if (!clientSlots.tryAcquire()) {
                refuse(socket, address);
                continue;
            }
            // The thread is created unstarted so that it is registered before it can finish.
            Thread thread = Thread.ofVirtual()
                    .name("client-" + ++connectionNumber)
                    .unstarted(() -> serveClient(socket, address));
            clients.put(socket, thread);
            thread.start();
        }
    }

    private void sleepBeforeRetry() throws IOException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while backing off after a failed accept", interrupted);
        }
    }

    /** No slot left: say why in one line and hang up, instead of letting the client wait unserved. */
    private void refuse(Socket socket, SocketAddress address) {
        log.warn(address, "refused: already serving " + maxClients + " clients (--max-clients)");
        try (socket) {
            // A fresh connection's send buffer is empty, so this short write cannot block the accept loop.
            socket.getOutputStream().write(Protocol.serverFullReply(maxClients));
            socket.shutdownOutput(); // FIN after the reply, so close() cannot turn it into a reset
        } catch (IOException gone) {
            log.event(address, "refused client was already gone: " + gone.getMessage());
        }
    }

    /** The whole life of one client, on its own virtual thread. Every way out is logged. */
    private void serveClient(Socket socket, SocketAddress address) {
        // toString() of a virtual thread names its carrier: with --carriers 1 it is the same for all.
        log.event(address, "connected, served by " + Thread.currentThread());
        String outcome;
        LineFramer framer = new LineFramer(maxLine);
        try (socket) {
            outcome = echoUntilEndOfStream(socket, address, framer);
        } catch (LineTooLongException tooLong) {
            outcome = "disconnected for an overlong line"; // reply sent, see echoUntilEndOfStream
        } catch (IOException lost) {
            // A reset, a broken pipe, or stop() closing the socket at the end of the grace period.
            outcome = stopping
                    ? "closed by server shutdown" + unfinished(framer)
                    : "connection lost: " + lost.getMessage();
        } catch (RuntimeException failure) {
            // The book's lesson: an exception in a task that nobody looks at is lost. Here the
            // task itself catches it, so it is logged with the client's address and stack trace.
            log.error(address, "handler failed, closing this client", failure);
            outcome = "closed after a handler failure";
        } finally {
            clients.remove(socket);
            clientSlots.release();
        }
        log.event(address, outcome);
    }

    private String echoUntilEndOfStream(Socket socket, SocketAddress address, LineFramer framer) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        // The one buffer this client owns while idle: plain blocking code cannot share it the way
        // stage 4's single loop shares one, and that is most of what an idle client costs here.
        byte[] chunk = new byte[READ_CHUNK];
        int count;
        try {
            // read() parks this virtual thread (not an OS thread) until bytes arrive.
            while ((count = in.read(chunk)) != -1) {
                // write() parks too while the client's window is full, and meanwhile we do not
                // read: a client that never reads cannot make us hold more than this one chunk.
                // The contract's high and low water marks come for free with blocking writes.
                framer.feed(chunk, 0, count, line -> echo(line, address, out));
            }
        } catch (LineTooLongException tooLong) {
            log.warn(address, tooLong.getMessage() + ": sending an error and disconnecting");
            out.write(Protocol.lineTooLongReply(maxLine)); // after the lines before it, in order
            socket.shutdownOutput();
            throw tooLong;
        }
        // The client closed its side; bytes after its last \n are still its data: echo them too.
        byte[] tail = framer.takeUnterminated();
        if (tail.length > 0) {
            log.event(address, "end of stream, echoing unterminated tail: " + Bytes.visible(tail));
            out.write(tail);
        }
        socket.shutdownOutput();
        return "disconnected";
    }

    private void echo(ByteBuffer line, SocketAddress address, OutputStream out) throws IOException {
        if (isBoom(line)) {
            // The magic failure, the book's trigger: a bug in one client's handler, on purpose.
            throw new IllegalStateException("boom requested by client " + address);
        }
        log.event(address, "echoing: " + Bytes.visible(line));
        Bytes.writeTo(line, out);
    }

    /** Exactly {@code boom\n} or {@code boom\r\n}: any other line with "boom" in it is echoed. */
    static boolean isBoom(ByteBuffer line) {
        int length = line.remaining();
        int start = line.position();
        int textLength = length >= 2 && line.get(start + length - 2) == '\r' ? length - 2 : length - 1;
        if (textLength != 4) {
            return false;
        }
        return line.get(start) == 'b' && line.get(start + 1) == 'o'
                && line.get(start + 2) == 'o' && line.get(start + 3) == 'm';
    }

    private static String unfinished(LineFramer framer) {
        int bytes = framer.buffered();
        return bytes == 0 ? "" : " (" + bytes + " bytes of an unfinished line dropped)";
    }

    /**
     * The graceful part of stopping, on the serving thread: the listener is closed already, so new
     * clients are refused by the kernel. Connected clients keep being served until they leave or
     * the grace period ends, whichever is first; then the rest are closed.
     */
    private void finishClients() {
        // ONE deadline for everybody, not a timeout per client: joining each thread with the
        // time that is left means a thousand clients take as long as one (the book waits its
        // full timeout for each task in turn).
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        List<Thread> remaining = List.copyOf(clients.values());
        if (!remaining.isEmpty()) {
            log.event("stop: waiting up to " + graceMillis + " ms for " + remaining.size() + " connected client(s)");
        }
        for (Thread thread : remaining) {
            joinUntil(thread, deadline);
        }
        Map<Socket, Thread> late = Map.copyOf(clients);
        if (!late.isEmpty()) {
            log.event("stop: grace period over, closing " + late.size() + " client(s) still connected");
            // Closing the socket wakes its thread, parked in read() or write(), with an exception.
            late.keySet().forEach(socket -> Closer.close(socket, log));
            long closeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            for (Thread thread : late.values()) {
                joinUntil(thread, closeDeadline);
            }
        } else if (!remaining.isEmpty()) {
            log.event("stop: every client finished within the grace period");
        }
    }

    private void joinUntil(Thread thread, long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        try {
            if (left > 0) {
                thread.join(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        } catch (InterruptedException interrupted) {
            // Someone wants this thread to give up waiting: keep the flag set (later joins return
            // at once) and let the caller move on to closing whatever is left.
            Thread.currentThread().interrupt();
            log.warn("stop: interrupted while waiting for " + thread.getName() + "; closing the rest now");
        }
    }

    /**
     * Stops accepting at once, then blocks until the connected clients have finished or the grace
     * period has closed them. Callable from any thread, more than once (later calls wait too).
     */
    @Override
    public void stop() {
        if (stopRequested.compareAndSet(false, true)) {
            stopping = true;
            log.event("stop: closing the listener, new connections are refused from now on");
            Closer.close(listener, log);
        }
        if (!serving) {
            return; // serve() never ran: no clients to wait for
        }
        try {
            // serve() finishes the clients; its own deadline bounds this wait, plus a margin.
            if (!stopped.await(graceMillis + 5_000, TimeUnit.MILLISECONDS)) {
                log.warn("stop: serve() did not finish in time");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            log.warn("stop: interrupted while waiting for clients to finish");
        }
    }
}
