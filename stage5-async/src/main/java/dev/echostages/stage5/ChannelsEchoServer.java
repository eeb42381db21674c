package dev.echostages.stage5;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.Closer;
import dev.echostages.common.EchoServer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.MemoryBudget;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.util.concurrent.ExecutionException;

/**
 * Stage 5, the callback server ({@code --server channels}): NIO.2 completion handlers.
 *
 * <p>Stage 4 asked a selector "which sockets are ready?" and then did each read and write itself.
 * Here the JDK does the whole operation: "read into this buffer, and call me back when it is done".
 * An {@link AsynchronousSocketChannel} performs the read and a completion handler is called with
 * the result on a thread of our group: the proactor pattern, the closest Java kin of asyncio's loop
 * resuming a task when {@code sock_recv} has data. On Linux the JDK builds it on epoll: stage 4's
 * selector, run for us. This file is the wiring; one client's callbacks are in {@link ChannelsConnection}.
 */
public final class ChannelsEchoServer implements EchoServer {

    private final Log log;
    private final int maxLine;
    private final MemoryBudget budget;
    private final EchoSession.LineHook lineHook;
    private final DebugMode.Handler<ChannelsConnection> handler;
    private final ConnectedClients clients;
    private final AcceptBackoff acceptBackoff;
    private final GroupThreads threads;
    private final AsynchronousServerSocketChannel listener;
    private final InetSocketAddress localAddress;

    public ChannelsEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.budget = MemoryBudget.from(options);
        DebugMode debug = DebugMode.from(options, log);
        this.lineHook = Boom.hook(debug);
        this.handler = DebugMode.timed(debug, ChannelsConnection::onRead, ChannelsConnection::address);
        InetSocketAddress bindAddress = options.bindAddress(); // a bad host fails before any thread starts
        this.threads = new GroupThreads();
        try {
            listener = AsynchronousServerSocketChannel.open(threads.group);
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true); // restart at once despite TIME_WAIT
            listener.bind(bindAddress, ConnectedClients.BACKLOG);
            localAddress = (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException | RuntimeException cannotListen) {
            threads.group.shutdownNow();
            throw cannotListen;
        }
        this.clients = new ConnectedClients(log, options, listener);
        acceptBackoff = new AcceptBackoff(log, localAddress);
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Accepts on the caller's thread, waiting on each accept's {@code Future}: a completed accept
     * given to a completion handler would wait in the group's queue behind every busy client's reads.
     */
    @Override
    public void serve() throws IOException {
        BeforeTheFirstAccept.prepare(ChannelsConnection.class);
        log.event("serving with completion handlers on " + threads.count() + " group thread(s)");
        while (!clients.stopping()) {
            AsynchronousSocketChannel channel;
            try {
                channel = listener.accept().get();
            } catch (ExecutionException failed) {
                if (clients.stopping()) {
                    break; // stop() closed the listener: the normal way out
                }
                Throwable cause = failed.getCause(); // most likely out of file descriptors
                acceptBackoff.pause(cause instanceof IOException io ? io : new IOException(cause), clients.count());
                continue;
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt(); // whoever interrupts the serving thread wants it back
                stop();
                return;
            }
            acceptBackoff.succeeded();
            try {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true); // an echo is wanted now: no Nagle delay
                var connection = new ChannelsConnection(channel, maxLine, log, lineHook, budget, clients, threads.pool, handler);
                if (clients.admit(connection)) {
                    connection.start(); // its first read; from here on, its callbacks drive it
                }
            } catch (IOException goneAlready) {
                log.event("a client left before it could be served: " + goneAlready.getMessage());
                Closer.close(channel, log);
            }
        }
        clients.awaitStopped();
    }

    /** The stop rule of {@link ConnectedClients}, then the group's threads go too. */
    @Override
    public void stop() {
        clients.stop(() -> threads.shutDown(log));
    }
}
