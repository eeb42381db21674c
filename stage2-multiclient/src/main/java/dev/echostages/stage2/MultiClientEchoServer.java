package dev.echostages.stage2;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.Bytes;
import dev.echostages.common.Closer;
import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.LineFramer;
import dev.echostages.common.LineFramer.LineRefusedException;
import dev.echostages.common.LingeringClose;
import dev.echostages.common.Log;
import dev.echostages.common.MemoryBudget;
import dev.echostages.common.ServerMain;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stage 2: many clients, still blocking: head-of-line blocking.
 *
 * <p>Stage 1 served one client until it left. The obvious fix keeps a list of clients and goes
 * round them in one loop. Each pass of the loop does two things, both blocking:
 * <ol>
 *   <li>{@code accept()} ONE new client (and wait, however long it takes, until one comes);</li>
 *   <li>for every connected client in turn: {@code read()} until what it has sent ends with a
 *       complete line, and echo its lines.</li>
 * </ol>
 *
 * <p>What you will see with two telnets, A then B: A connects and is accepted; the loop then sits
 * in A's {@code read()}. B connects (the kernel parks it in the backlog) and types a line: nothing.
 * B is not even accepted until A speaks. A's first line is echoed, the loop comes round to
 * {@code accept()} and takes B, then reads A again, first in the list, and blocks again. Only A's
 * SECOND line lets the loop reach B, whose line has been waiting in the kernel all along. And
 * once everyone has spoken, the loop blocks in {@code accept()}: nobody's next line is echoed
 * until a newcomer connects. The README draws this as a timeline; {@code exec:exec@demo} runs it.
 *
 * <p>What goes wrong: one silent client (or no newcomer) stalls everyone. Blocking calls can
 * only wait for one thing at a time, and this loop waits for the wrong thing most of the time.
 * Stage 3 makes the sockets non-blocking so that nothing waits.
 */
public final class MultiClientEchoServer implements EchoServer {

    static CommandLine commandLine() {
        return MemoryBudget.option(new CommandLine("stage2-multiclient",
                "Echo server, stage 2: many clients in one loop of blocking calls (head-of-line blocking)."));
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), MultiClientEchoServer::new);
    }

    /** A connected client, and its framer: a line that arrives in pieces is collected there. */
    private record Client(Socket socket, LineFramer framer) {
    }

    private final ServerSocket listener;
    private final Log log;
    private final int maxLine;
    private final MemoryBudget budget;
    private volatile boolean stopping;
    /** The loop's clients, in the order they were accepted. Copy-on-write so stop() can close them. */
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    /** One read buffer for everyone: only the loop's thread reads. */
    private final byte[] chunk = new byte[8 * 1024];
    private final AcceptBackoff acceptBackoff;

    public MultiClientEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.budget = MemoryBudget.from(options);
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
        // exercise 3 begin: make the sockets non-blocking and poll every one in a loop that never waits
        while (!stopping) {
            log.event("waiting in accept() for a new client (" + clients.size() + " connected)");
            Socket client;
            try {
                client = listener.accept(); // step 1: blocks until somebody new connects
            } catch (IOException acceptFailed) {
                if (stopping) {
                    break; // stop() closed the listener under us: the normal way out
                }
                acceptBackoff.pause(acceptFailed, clients.size()); // most likely out of file descriptors
                serveEveryone(); // no newcomer this pass; one of the others may leave and free a descriptor
                continue;
            }
            acceptBackoff.succeeded();
            // Only the client being read holds a line begun (each turn reads to the end of a
            // line), so when the budget is over, the one it picks is that one.
            clients.add(new Client(client, new LineFramer(maxLine, budget.open(client.getRemoteSocketAddress(), () -> { }))));
            if (stopping) {
                // stop() ran between accept() and the line above: it found no client to close, so
                // this one would keep serve() reading forever. Record first, check second (stop()
                // does the opposite): one of the two always sees the other.
                Closer.close(client, log);
                return;
            }
            log.event(client.getRemoteSocketAddress(), "connected");
            serveEveryone(); // step 2
        }
        // exercise 3 end
    }

    /** Everyone in turn, oldest first. The list is a snapshot: removing a client that left does not disturb the pass. */
    private void serveEveryone() {
        for (Client each : clients) {
            serveOne(each.socket(), each.framer()); // nobody else is served until this returns
        }
    }

    /**
     * One turn of one client: blocks reading it until what it has sent ends with a complete line
     * (the book's loop condition), echoing every complete line on the way. A read may stop in
     * the middle of a line, and that line's start must not sit unechoed until the next turn.
     */
    private void serveOne(Socket client, LineFramer framer) {
        SocketAddress who = client.getRemoteSocketAddress();
        log.event(who, "reading: blocked until it sends a line");
        try {
            InputStream in = client.getInputStream();
            client.setTcpNoDelay(true); // an echo is wanted now: no Nagle delay
            OutputStream out = client.getOutputStream();
            int count;
            while ((count = in.read(chunk)) != -1) { // blocks: nobody else is served meanwhile
                framer.feed(chunk, 0, count, line -> {
                    log.event(who, "echoing: " + Bytes.visible(line));
                    Bytes.writeTo(line, out);
                });
                if (framer.buffered() == 0) {
                    return; // what it sent ends with a line end: the next client's turn
                }
            }
            // The client closed its side. Bytes after its last \n are still its data:
            // echo them too, rather than lose them silently.
            byte[] tail = framer.takeUnterminated();
            if (tail.length > 0) {
                log.event(who, "end of stream, echoing unterminated tail: " + Bytes.visible(tail));
                out.write(tail);
            }
            closed(client, framer, "disconnected");
        } catch (LineRefusedException refused) {
            log.warn(who, refused.getMessage() + ": sending an error and disconnecting");
            // Not close(): the client's later bytes sit unread, and closing on them would reset
            // the connection and destroy the echo still on its way (see LingeringClose).
            framer.release();
            clients.removeIf(each -> each.socket() == client);
            LingeringClose.inBackground(client, refused.reply(), log);
            log.event(who, refused.outcome() + ", removed from the list");
        } catch (IOException lost) {
            // A reset or broken pipe ends this client only; the server carries on.
            closed(client, framer, stopping ? "closed by server shutdown" : "connection lost: " + lost.getMessage());
        } catch (RuntimeException | Error bug) {
            log.error(who, "unexpected failure serving this client; closing it", bug);
            closed(client, framer, "closed after an unexpected failure");
        }
    }

    private void closed(Socket client, LineFramer framer, String outcome) {
        framer.release();
        clients.removeIf(each -> each.socket() == client);
        Closer.close(client, log);
        log.event(client.getRemoteSocketAddress(), outcome + ", removed from the list");
    }

    @Override
    public void stop() {
        stopping = true;
        Closer.close(listener, log);
        for (Client each : clients) {
            Closer.close(each.socket(), log); // unblocks the read() the loop may be stuck in
        }
    }
}
