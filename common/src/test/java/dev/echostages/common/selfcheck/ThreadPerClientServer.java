package dev.echostages.common.selfcheck;

import dev.echostages.common.Bytes;
import dev.echostages.common.Closer;
import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.LineFramer;
import dev.echostages.common.Log;
import dev.echostages.common.Protocol;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The plainest correct concurrent echo server (one platform thread per client), used only to check
 * that the shared contract tests themselves pass against a server known to be right. Blocking
 * writes give it backpressure for free: a client that never reads blocks its own thread only.
 */
final class ThreadPerClientServer implements EchoServer {
    static CommandLine commandLine() {
        return new CommandLine("thread-per-client", "test-only reference server");
    }

    private final ServerSocket listener;
    private final Log log;
    private final int maxLine;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    ThreadPerClientServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        listener = new ServerSocket();
        listener.bind(options.bindAddress());
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
                    return;
                }
                throw closed;
            }
            clients.add(client);
            Thread.ofPlatform().daemon().start(() -> echo(client));
        }
    }

    private void echo(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            LineFramer framer = new LineFramer(maxLine);
            byte[] buffer = new byte[16 * 1024];
            int n;
            try {
                while ((n = in.read(buffer)) >= 0) {
                    framer.feed(buffer, 0, n, line -> Bytes.writeTo(line, out));
                }
                out.write(framer.takeUnterminated());
            } catch (LineFramer.LineTooLongException tooLong) {
                out.write(Protocol.lineTooLongReply(maxLine));
                client.shutdownOutput();
            }
        } catch (IOException lost) {
            log.event(client.getRemoteSocketAddress(), "connection lost: " + lost.getMessage());
        } finally {
            clients.remove(client);
        }
    }

    @Override
    public void stop() {
        stopping = true;
        Closer.close(listener, log);
        clients.forEach(client -> Closer.close(client, log));
    }
}
