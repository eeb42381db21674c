package dev.echostages.stage1;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.Bytes;
import dev.echostages.common.Closer;
import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.LineFramer;
import dev.echostages.common.LineFramer.LineRefusedException;
import dev.echostages.common.LingeringClose;
import dev.echostages.common.Log;
import dev.echostages.common.ServerMain;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;

/**
 * Stage 1: one blocking socket, one client at a time.
 *
 * <p>The smallest echo server there is. {@code accept()} blocks until someone connects;
 * {@code read()} blocks until that client sends something; {@code write()} blocks until the bytes
 * are handed to the kernel. One thread, and every call waits.
 *
 * <p>Reads are deliberately tiny (2 bytes, {@code --chunk N}) and every chunk is logged, so you
 * can watch a line you typed arrive in pieces: TCP delivers a stream of bytes, not your lines.
 * The pieces are collected until a whole line is in, and then the line is echoed.
 *
 * <p>What goes wrong: while one client is connected nobody else is served. A second
 * {@code telnet} connects (the kernel completes the handshake and parks it in the listen
 * backlog) but hears nothing until the first client leaves. Stage 2 tries to fix that.
 */
public final class BlockingEchoServer implements EchoServer {

    static CommandLine commandLine() {
        return new CommandLine("stage1-blocking", "Echo server, stage 1: one blocking socket, one client at a time.")
                .intOption("--chunk", 2, 1, 64 * 1024,
                        "bytes per read(): tiny on purpose, so each line visibly arrives in pieces");
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), BlockingEchoServer::new);
    }

    private final ServerSocket listener;
    private final Log log;
    private final int chunkSize;
    private final int maxLine;
    private volatile boolean stopping;
    /** The one client being served, so that {@link #stop()} can close it from another thread. */
    private volatile Socket current;
    private final AcceptBackoff acceptBackoff;

    public BlockingEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.chunkSize = options.intValue("--chunk");
        this.maxLine = options.maxLine();
        listener = new ServerSocket();
        // Lets a restarted server bind its port at once even while the previous run's
        // connections sit in TIME_WAIT (otherwise: "Address already in use" for a minute).
        listener.setReuseAddress(true);
        listener.bind(options.bindAddress());
        acceptBackoff = new AcceptBackoff(log, localAddress());
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    @Override
    public void serve() throws IOException {
        // exercise 2 begin: keep a list of clients and serve them in turn, accepting one newcomer each pass
        // exercise 5 begin: a virtual thread per client, its failure caught there; stop lets echoes finish
        while (!stopping) {
            Socket client;
            try {
                client = listener.accept(); // blocks until a client connects
            } catch (IOException acceptFailed) {
                if (stopping) {
                    break; // stop() closed the listener under us: the normal way out
                }
                acceptBackoff.pause(acceptFailed, 0); // most likely out of file descriptors
                continue;
            }
            acceptBackoff.succeeded();
            current = client;
            if (stopping) {
                // stop() ran between accept() and the line above: it found no client to close, so
                // this one would keep serve() reading forever. Record first, check second (stop()
                // does the opposite): one of the two always sees the other.
                Closer.close(client, log);
                return;
            }
            try {
                serveOne(client); // nobody else is accepted until this returns
            } finally {
                current = null;
            }
        }
        // exercise 2 end
        // exercise 5 end
    }

    private void serveOne(Socket client) {
        SocketAddress who = client.getRemoteSocketAddress();
        log.event(who, "connected");
        try {
            InputStream in = client.getInputStream();
            client.setTcpNoDelay(true); // an echo is wanted now: no Nagle delay
            OutputStream out = client.getOutputStream();
            LineFramer framer = new LineFramer(maxLine);
            byte[] chunk = new byte[chunkSize];
            int count;
            while ((count = in.read(chunk)) != -1) { // blocks until at least one byte is here
                log.event(who, "read " + count + (count == 1 ? " byte:  " : " bytes: ") + Bytes.visible(chunk, 0, count));
                framer.feed(chunk, 0, count, line -> {
                    log.event(who, "line complete, echoing: " + Bytes.visible(line));
                    Bytes.writeTo(line, out);
                });
            }
            // The client closed its side. Bytes after its last \n are still its data:
            // echo them too, rather than lose them silently.
            byte[] tail = framer.takeUnterminated();
            if (tail.length > 0) {
                log.event(who, "end of stream, echoing unterminated tail: " + Bytes.visible(tail));
                out.write(tail);
            }
            closed(client, "disconnected");
        } catch (LineRefusedException refused) {
            log.warn(who, refused.getMessage() + ": sending an error and disconnecting");
            // Not close(): the client's later bytes sit unread, and closing on them would reset
            // the connection and destroy the echo still on its way (see LingeringClose).
            LingeringClose.inBackground(client, refused.reply(), log);
            log.event(who, refused.outcome());
        } catch (IOException lost) {
            // A reset or broken pipe ends this client only; the server carries on.
            closed(client, stopping ? "closed by server shutdown" : "connection lost: " + lost.getMessage());
        } catch (RuntimeException | Error bug) {
            log.error(who, "unexpected failure serving this client; closing it", bug);
            closed(client, "closed after an unexpected failure");
        }
    }

    private void closed(Socket client, String outcome) {
        Closer.close(client, log);
        log.event(client.getRemoteSocketAddress(), outcome);
    }

    @Override
    public void stop() {
        stopping = true;
        Closer.close(listener, log);
        Closer.close(current, log); // unblocks the read() that serves it
    }
}
