package dev.echostages.benchmarks.reference;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.Log;
import dev.echostages.common.ServerMain;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The bare model of stage 4: one thread, one {@code select()} loop, a read per ready key and the
 * lines written back at once. No logging, no limits, no stop rules: the yardstick for what stage
 * 4's teaching code costs. A client whose echo does not fit its send buffer is not read again
 * until the rest is written (OP_WRITE), which is all the back-pressure it has.
 */
public final class BareSelectorEchoServer implements EchoServer {
    public static CommandLine commandLine() {
        return new CommandLine("bare-selector", "Reference: a bare select() loop, no logging, no limits.");
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), BareSelectorEchoServer::new);
    }

    private final Selector selector = Selector.open();
    private final ServerSocketChannel listener = ServerSocketChannel.open();
    private volatile boolean stopping;

    public BareSelectorEchoServer(ServerOptions options, Log log) throws IOException {
        listener.bind(options.bindAddress(), 1024).configureBlocking(false).register(selector, SelectionKey.OP_ACCEPT);
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.socket().getLocalSocketAddress();
    }

    @Override
    public void serve() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        while (!stopping) {
            selector.select();
            for (SelectionKey key : selector.selectedKeys()) {
                if (key.isAcceptable()) {
                    SocketChannel client = listener.accept();
                    if (client != null) {
                        client.configureBlocking(false);
                        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        client.register(selector, SelectionKey.OP_READ, new Client());
                    }
                } else {
                    echo(key, buffer);
                }
            }
            selector.selectedKeys().clear();
        }
        for (SelectionKey key : selector.keys()) {
            key.channel().close();
        }
        selector.close();
    }

    /** A client's held partial line, its unsent echo, and whether it has sent everything it will. */
    private static final class Client {
        final BareLines lines = new BareLines();
        ByteBuffer unsent;
        boolean ended;
    }

    private static void echo(SelectionKey key, ByteBuffer buffer) throws IOException {
        SocketChannel channel = (SocketChannel) key.channel();
        Client client = (Client) key.attachment();
        try {
            if (client.unsent == null) {
                int count = channel.read(buffer.clear());
                client.ended = count < 0;
                client.unsent = client.ended ? client.lines.rest() : client.lines.take(buffer.flip());
            }
            if (client.unsent != null) {
                channel.write(client.unsent);
                if (client.unsent.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_WRITE); // no reads until this echo is gone
                    return;
                }
                client.unsent = null;
                key.interestOps(SelectionKey.OP_READ);
            }
            if (client.ended) {
                channel.close();
            }
        } catch (IOException lost) {
            channel.close(); // a reset ends this client only; a bare server says nothing about it
        }
    }

    @Override
    public void stop() {
        stopping = true;
        selector.wakeup();
    }
}
