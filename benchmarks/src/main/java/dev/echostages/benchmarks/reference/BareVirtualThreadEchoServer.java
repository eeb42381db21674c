package dev.echostages.benchmarks.reference;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.Log;
import dev.echostages.common.ServerMain;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bare model of stage 5's virtual-thread server: stage 1's blocking loop, one virtual thread
 * per client. No logging, no limits, no stop protocol beyond closing the sockets: the yardstick
 * for what the teaching code costs.
 */
public final class BareVirtualThreadEchoServer implements EchoServer {
    public static CommandLine commandLine() {
        return new CommandLine("bare-virtual", "Reference: a bare virtual thread per client, no logging, no limits.");
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), BareVirtualThreadEchoServer::new);
    }

    private final ServerSocket listener = new ServerSocket();
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    public BareVirtualThreadEchoServer(ServerOptions options, Log log) throws IOException {
        listener.bind(options.bindAddress(), 1024);
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    @Override
    public void serve() throws IOException {
        while (!stopping) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException closed) {
                if (stopping) {
                    return; // stop() closed the listener
                }
                throw closed;
            }
            client.setTcpNoDelay(true);
            clients.add(client);
            Thread.ofVirtual().start(() -> echo(client));
        }
    }

    private void echo(Socket client) {
        try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
            BareLines lines = new BareLines();
            byte[] buffer = new byte[16 * 1024];
            for (int count; (count = in.read(buffer)) > 0; ) {
                ByteBuffer done = lines.take(ByteBuffer.wrap(buffer, 0, count));
                if (done != null) {
                    out.write(done.array(), 0, done.limit());
                }
            }
            out.write(lines.rest().array());
        } catch (IOException lost) {
            // A reset ends this client only; a bare server says nothing about it.
        } finally {
            clients.remove(client);
        }
    }

    @Override
    public void stop() {
        stopping = true;
        try {
            listener.close();
            for (Socket client : clients) {
                client.close(); // unblocks its thread's read
            }
        } catch (IOException ignored) {
            // Closing a socket only fails if it is already broken; it is closed all the same.
        }
    }
}
