package dev.echostages.stage2;

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
 *
 * <p>Run: {@code ./mvnw -q -pl stage2-multiclient -am package -DskipTests exec:exec}.
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
    private record Client(Socket socket, SocketAddress address, LineFramer framer) {
    }

    private final ServerSocket listener;
    private final Log log;
    private final int maxLine;
    private final MemoryBudget budget;
    /** The loop's clients, in the order they were accepted. Copy-on-write so stop() can close them. */
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    /** One read buffer for everyone: only the loop's thread reads. */
    private final byte[] chunk = new byte[8 * 1024];
    private volatile boolean stopping;

    public MultiClientEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.budget = MemoryBudget.from(options);
        listener = new ServerSocket();
        // A restarted server can bind at once even while old connections sit in TIME_WAIT.
        listener.setReuseAddress(true);
        listener.bind(options.bindAddress());
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    @Override
    public void serve() throws IOException {
        // exercise 3 begin: make the sockets non-blocking and poll every one in a loop that never waits
        try {
            while (!stopping) {
                log.event("waiting in accept() for a new client (" + clients.size() + " connected)");
                Socket socket;
                try {
                    socket = listener.accept(); // step 1: blocks until somebody new connects
                } catch (IOException acceptFailed) {
                    if (stopping) {
                        return; // stop() closed the listener under us: the normal way out
                    }
                    throw acceptFailed;
                }
                SocketAddress address = socket.getRemoteSocketAddress();
                // Only the client being read holds a line begun (the loop reads each one to the
                // end of a line), so when the budget is over, the one it picks is that one.
                Client newcomer = new Client(socket, address, new LineFramer(maxLine, budget.open(address, () -> { })));
                clients.add(newcomer);
                log.event(newcomer.address(), "connected");

                // Step 2: everyone in turn, oldest first. The list is a snapshot, so removing a
                // client that left does not disturb this pass.
                for (Client client : clients) {
                    if (stopping) {
                        return;
                    }
                    if (!readAndEchoLines(client)) {
                        clients.remove(client); // closed already
                    }
                }
            }
        } finally {
            for (Client client : clients) {
                Closer.close(client.socket(), log);
            }
            clients.clear();
        }
        // exercise 3 end
    }

    /**
     * Blocks reading {@code client} until what it has sent ends with a complete line (the book's
     * loop condition), echoing every complete line on the way. Returns false when the client is
     * gone (end of stream, reset, overlong line); it is closed then and must be removed.
     */
    private boolean readAndEchoLines(Client client) {
        SocketAddress who = client.address();
        log.event(who, "reading: blocked until it sends a line");
        try {
            InputStream in = client.socket().getInputStream();
            OutputStream out = client.socket().getOutputStream();
            LineFramer framer = client.framer();
            // Read until nothing unfinished is left, as the book's loop reads until its buffer ends
            // with a line end: a read may stop in the middle of a line, and that line's start must
            // not sit unechoed until this client's turn comes round again.
            do {
                int count = in.read(chunk); // blocks: nobody else is served meanwhile
                if (count == -1) {
                    // The client closed its side. Bytes after its last \n are still its data.
                    byte[] tail = framer.takeUnterminated();
                    if (tail.length > 0) {
                        log.event(who, "end of stream, echoing unterminated tail: " + Bytes.visible(tail));
                        out.write(tail);
                    }
                    return closed(client, "disconnected, removed from the list");
                }
                framer.feed(chunk, 0, count, line -> {
                    log.event(who, "echoing: " + Bytes.visible(line));
                    Bytes.writeTo(line, out);
                });
            } while (framer.buffered() > 0);
            return true;
        } catch (LineRefusedException refused) {
            log.warn(who, refused.getMessage() + ": sending an error and disconnecting");
            // Not close(): the client's later bytes sit unread, and closing on them would reset
            // the connection and destroy the echo still on its way (see LingeringClose).
            client.framer().release();
            LingeringClose.inBackground(client.socket(), refused.reply(), log);
            log.event(who, refused.outcome() + ", removed from the list");
            return false;
        } catch (IOException lost) {
            // A reset or broken pipe ends this client only; the pass goes on with the next one.
            return closed(client, stopping ? "closed by server shutdown" : "connection lost: " + lost.getMessage() + ", removed from the list");
        } catch (RuntimeException | Error bug) {
            log.error(who, "unexpected failure serving this client; closing it", bug);
            return closed(client, "closed after an unexpected failure, removed from the list");
        }
    }

    private boolean closed(Client client, String outcome) {
        client.framer().release();
        Closer.close(client.socket(), log);
        log.event(client.address(), outcome);
        return false;
    }

    @Override
    public void stop() {
        stopping = true;
        Closer.close(listener, log);
        for (Client client : clients) {
            Closer.close(client.socket(), log); // unblocks the read() the loop may be stuck in
        }
    }
}
