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
 * Stage 5, the callback server ({@code --server channels}): NIO.2 completion handlers. Stage 4 asked a
 * selector "which sockets are ready?" and did each read and write itself; here the JDK does the whole
 * operation ("read into this buffer, call me back when done") and runs the callback on a thread of our
 * group, as asyncio resumes a task when {@code sock_recv} has data. One client: {@link ChannelsConnection}.
 * Pitfalls, apart (numbered in the README): {@link BeforeTheFirstAccept}, {@link GroupThreads}, {@link HandlerGuard}.
 */
public final class ChannelsEchoServer implements EchoServer {

    final Log log; // this field and the five below: what each ChannelsConnection takes from its server
    final int maxLine;
    final MemoryBudget budget;
    final EchoSession.LineHook lineHook;
    final DebugMode.Handler<ChannelsConnection> handler; // onRead, or under --debug onRead timed
    final ConnectedClients clients;
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
        this.threads = new GroupThreads();
        this.listener = threads.listen(options); // in the group, as are the channels it accepts
        this.localAddress = (InetSocketAddress) listener.getLocalAddress();
        this.clients = new ConnectedClients(log, options, listener);
        acceptBackoff = new AcceptBackoff(log, localAddress);
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Accepts on the caller's thread: an accept given to a completion handler would queue behind every busy client's reads. */
    @Override
    public void serve() throws IOException {
        BeforeTheFirstAccept.prepare(ChannelsConnection.class, HandlerGuard.class);
        log.event("serving with completion handlers on " + threads.count() + " group thread(s)");
        while (!clients.stopping()) {
            AsynchronousSocketChannel channel;
            try {
                channel = listener.accept().get();
            } catch (ExecutionException failed) { // stop() closed the listener, or (most likely) out of file descriptors
                if (clients.stopping()) {
                    break; // the normal way out
                }
                acceptBackoff.pause(failed.getCause() instanceof IOException io ? io : new IOException(failed.getCause()), clients.count());
                continue;
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt(); // whoever interrupts the serving thread wants it back
                stop();
                return;
            }
            acceptBackoff.succeeded();
            try {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true); // an echo is wanted now: no Nagle delay
                var connection = new ChannelsConnection(channel, this);
                if (clients.admit(connection)) {
                    connection.progress(); // its first read; from here on, its callbacks drive it
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
