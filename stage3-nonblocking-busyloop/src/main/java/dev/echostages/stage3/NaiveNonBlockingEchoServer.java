package dev.echostages.stage3;

import dev.echostages.common.Bytes;
import dev.echostages.common.Closer;
import dev.echostages.common.EchoServer;
import dev.echostages.common.Log;
import dev.echostages.common.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stage 3, the first attempt, which fails: stage 2's loop with the sockets merely switched to
 * non-blocking, and nothing else changed. Kept to be run and watched failing; do not copy it.
 *
 * <p>In Python the same change makes {@code accept()} and {@code recv()} raise
 * {@code BlockingIOError} at the call that would have waited. Java does not raise: a non-blocking
 * {@code accept()} returns {@code null} and a non-blocking {@code read()} returns 0. Code written
 * for blocking sockets never expected either, so the failure shows up somewhere else:
 * <ul>
 *   <li>With nobody connecting, the first pass gets {@code null} from {@code accept()} and dies
 *       one line later, with a {@link NullPointerException} on {@code configureBlocking}.</li>
 *   <li>A client that was already waiting is accepted; then the "read until a whole line is in"
 *       loop gets 0 from {@code read()} again and again while that client is silent, and spins on
 *       it at full speed: one core burnt, nobody else served, and no error to say so.</li>
 * </ul>
 * {@link BusyLoopEchoServer} is what the loop has to become.
 *
 * <p>Run: {@code ./mvnw -q -pl stage3-nonblocking-busyloop -am package -DskipTests exec:exec -Dargs="--naive"}.
 */
public final class NaiveNonBlockingEchoServer implements EchoServer {

    private final ServerSocketChannel listener;
    private final Log log;
    private volatile boolean stopping;
    /** Read by {@link #stop()} on another thread, which closes the clients to end a spin. */
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();

    public NaiveNonBlockingEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        listener.bind(options.bindAddress());
        listener.configureBlocking(false); // the only change from stage 2's loop
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.socket().getLocalSocketAddress(); // the channel's socket view does not throw
    }

    @Override
    public void serve() throws IOException {
        try {
            while (!stopping) {
                SocketChannel client = listener.accept(); // null when nobody is knocking...
                client.configureBlocking(false);          // ...so this throws NullPointerException
                connections.add(client);
                log.event(client.getRemoteAddress(), "connected");

                for (SocketChannel connection : connections) {
                    var line = new ByteArrayOutputStream();
                    ByteBuffer chunk = ByteBuffer.allocate(1024);
                    boolean ended = false;
                    // Stage 2 waited here inside read(); now read() returns 0 at once and this
                    // loop asks again, hundreds of thousands of times a second, until the client sends a \n.
                    while (!endsWithNewline(line)) {
                        chunk.clear();
                        int count = connection.read(chunk);
                        if (count < 0) {
                            ended = true;
                            break;
                        }
                        line.write(chunk.array(), 0, count);
                    }
                    log.event(connection.getRemoteAddress(), "echoing: " + Bytes.visible(line.toByteArray()));
                    connection.write(ByteBuffer.wrap(line.toByteArray())); // may even write only part
                    if (ended) {
                        log.event(connection.getRemoteAddress(), "disconnected");
                        connections.remove(connection);
                        Closer.close(connection, log);
                    }
                }
            }
        } catch (ClosedChannelException closedByStop) {
            if (!stopping) {
                throw closedByStop;
            }
            // stop() closed the channel we were spinning on: the way out of a spin.
        } finally {
            connections.forEach(connection -> Closer.close(connection, log));
            Closer.close(listener, log);
        }
    }

    private static boolean endsWithNewline(ByteArrayOutputStream line) {
        byte[] bytes = line.toByteArray();
        return bytes.length > 0 && bytes[bytes.length - 1] == '\n';
    }

    @Override
    public void stop() {
        stopping = true;
        Closer.close(listener, log);
        connections.forEach(connection -> Closer.close(connection, log)); // ends a read() spin
    }
}
