package dev.echostages.benchmarks.reference;

import dev.echostages.common.Bytes;
import dev.echostages.common.Closer;
import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.LineFramer;
import dev.echostages.common.LineFramer.LineTooLongException;
import dev.echostages.common.LingeringClose;
import dev.echostages.common.Log;
import dev.echostages.common.Protocol;
import dev.echostages.common.ServerMain;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reference 1: the classic answer before selectors, one platform thread per connection.
 *
 * <p>Each client gets a thread that blocks in {@code read()}; a silent client costs a parked
 * thread (its stack reserved, no CPU), and every echo costs a wake-up of that thread by the
 * kernel. Blocking writes bound the output per connection by themselves: a client that stops
 * reading stalls its own thread, which then stops reading from it.
 *
 * <p>It is here so the benchmark report can set the stages against what a reader would have
 * written without them. Run it on its own:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.echostages.benchmarks.reference.ThreadPerConnectionEchoServer}.
 */
public final class ThreadPerConnectionEchoServer implements EchoServer {

    public static CommandLine commandLine() {
        return new CommandLine("thread-per-connection",
                "Reference echo server: one platform thread per connection, blocking I/O.");
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), ThreadPerConnectionEchoServer::new);
    }

    private final ServerSocket listener;
    private final Log log;
    private final int maxLine;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    public ThreadPerConnectionEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        listener = new ServerSocket();
        listener.setReuseAddress(true);
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
            } catch (IOException acceptFailed) {
                if (stopping) {
                    return; // stop() closed the listener: the normal way out
                }
                throw acceptFailed;
            }
            client.setTcpNoDelay(true); // echo each line now, not after Nagle's 40 ms wait
            clients.add(client);
            Thread.ofPlatform().name("client-" + client.getPort()).daemon().start(() -> serveOne(client));
        }
    }

    private void serveOne(Socket client) {
        SocketAddress who = client.getRemoteSocketAddress();
        log.event(who, "connected");
        String outcome = "disconnected";
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            LineFramer framer = new LineFramer(maxLine);
            byte[] chunk = new byte[16 * 1024];
            int count;
            try {
                while ((count = in.read(chunk)) != -1) {
                    // One write() per line, straight to the socket: no buffer to forget to flush.
                    framer.feed(chunk, 0, count, line -> Bytes.writeTo(line, out));
                }
                byte[] tail = framer.takeUnterminated();
                if (tail.length > 0) {
                    out.write(tail); // the contract: an unterminated tail at EOF is echoed
                }
            } catch (LineTooLongException tooLong) {
                log.warn(who, tooLong.getMessage() + ": sending an error and disconnecting");
                out.write(Protocol.lineTooLongReply(maxLine));
                // FIN, then read and drop until the client closes: closing with its bytes unread
                // would reset the connection and lose the reply (see LingeringClose).
                LingeringClose.finAndDrain(client, System.nanoTime() + LingeringClose.MAX_MILLIS * 1_000_000);
                outcome = "disconnected for an overlong line";
            }
        } catch (IOException lost) {
            outcome = stopping ? "closed by server shutdown" : "connection lost: " + lost.getMessage();
        } finally {
            clients.remove(client);
        }
        log.event(who, outcome);
    }

    @Override
    public void stop() {
        stopping = true;
        Closer.close(listener, log);
        for (Socket client : clients) {
            Closer.close(client, log); // unblocks the read() of its thread
        }
    }
}
