package dev.echostages.common;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * How every stage ends a connection that the server decided to end (an overlong line, a handler
 * failure or {@code boom}, the stop, a refusal, the memory budget): CONTRACT item 13.
 *
 * <ol>
 *   <li>Take no more input: nothing the client sends from now on is echoed.</li>
 *   <li>Send every echo still owed, and the reply if there is one.</li>
 *   <li>Send FIN ({@code shutdownOutput()}): "nothing more from me".</li>
 *   <li>Read and drop whatever the client still sends, until it closes too, or until
 *       {@link #MAX_MILLIS} have passed since step 1.</li>
 *   <li>Only then {@code close()}.</li>
 * </ol>
 *
 * <p>Why not simply {@code close()}: when a socket is closed while bytes the client sent sit
 * unread in its receive buffer, the kernel answers with a reset (RST) instead of a FIN, and a
 * reset throws away everything still waiting in the server's send buffer. A client that reads a
 * little late (every client on a slow network) then loses the end of its echo and the error line
 * that explains why, and sees "connection reset" instead. The deadline keeps a client that never
 * stops sending from holding the connection open forever. It is the only bound: a bound on the
 * bytes dropped would close, and reset, while the echo may still be on its way, and the faster a
 * client sends the sooner it would lose it (a client still writing at the stop sends 1 MiB in a
 * few milliseconds, long before it has read the megabytes of echo in flight).
 *
 * <p>Non-blocking stages keep this state in the client's {@link EchoSession}; the blocking ones
 * (stages 1 and 2, the virtual-thread server) use the methods below.
 */
public final class LingeringClose {
    /** How long, from the decision to close, the echo and the draining may take together. */
    public static final long MAX_MILLIS = 2_000;

    private LingeringClose() {
    }

    /**
     * Steps 2 to 5 for a blocking socket whose echo is written: the reply (may be empty), FIN, the
     * draining and the close, on a virtual thread of its own, so that the caller (stage 1 and 2's
     * one loop, an acceptor) goes on at once. A client that does not even read the reply cannot
     * keep it longer than the bound: the socket is closed at the deadline whatever is happening.
     */
    public static void inBackground(Socket socket, byte[] reply, Log log) {
        long deadline = System.nanoTime() + MAX_MILLIS * 1_000_000;
        CompletableFuture.delayedExecutor(MAX_MILLIS, TimeUnit.MILLISECONDS).execute(() -> Closer.close(socket, log));
        Thread.ofVirtual().name("closing " + socket.getRemoteSocketAddress()).start(() -> {
            try {
                socket.getOutputStream().write(reply);
                finAndDrain(socket, deadline);
            } catch (IOException gone) {
                // The client reset or vanished, or the deadline closed it: nothing more can reach it.
                log.event(socket.getRemoteSocketAddress(), "gone while closing: " + gone.getMessage());
            } finally {
                Closer.close(socket, log);
            }
        });
    }

    /** Steps 3 and 4 on the calling thread, for a blocking socket; the caller closes it afterwards. */
    public static void finAndDrain(Socket socket, long deadlineNanos) throws IOException {
        socket.shutdownOutput();
        InputStream in = socket.getInputStream();
        byte[] dropped = new byte[8 * 1024];
        while (true) {
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return;
            }
            socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
            int count;
            try {
                count = in.read(dropped);
            } catch (SocketTimeoutException deadlinePassed) {
                return;
            }
            if (count < 0) {
                return; // the client closed its side too: close() now sends no reset
            }
        }
    }
}
