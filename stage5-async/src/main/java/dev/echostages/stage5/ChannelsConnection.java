package dev.echostages.stage5;

import dev.echostages.common.Closer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.MemoryBudget;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client of the channels server: "read, echo, read again", spread over callbacks, its state in
 * fields. The read and the write callbacks may run at once on two group threads, so every method
 * that touches the state holds this object's lock: cheap (starting an asynchronous read or write
 * returns at once) and reentrant, which matters, because when data is already there the JDK may
 * call a handler directly inside {@code read()} or {@code write()}, on this same thread. The rules:
 * one read and one write outstanding at a time (a second throws {@code ReadPendingException}); a
 * partial write is followed by a write of the rest; no read while too much echo is unsent; no
 * exception escapes a handler ({@link #guard}).
 */
final class ChannelsConnection implements ConnectedClients.Client {

    private final AsynchronousSocketChannel channel;
    private final SocketAddress address;
    private final EchoSession session;
    private final Log log;
    private final ConnectedClients clients;
    private final DebugMode.Handler<ChannelsConnection> handler;
    private final ReadBuffer readBuffer = new ReadBuffer();
    private final FairShare fairShare = new FairShare(4 * ReadBuffer.MAX);
    private boolean reading;
    private boolean writing;
    /** Set when this client has had its share of a group thread: its next read queues behind the others. */
    private boolean turnOver;
    private boolean closed;

    ChannelsConnection(AsynchronousSocketChannel channel, int maxLine, Log log, EchoSession.LineHook hook, MemoryBudget budget,
            ConnectedClients clients, DebugMode.Handler<ChannelsConnection> handler) throws IOException {
        this.channel = channel;
        this.address = channel.getRemoteAddress();
        this.log = log;
        this.clients = clients;
        this.handler = handler;
        // Over budget, the client holding the most may be silent: a thread of its own acts on it now.
        this.session = new EchoSession(address, maxLine, log, hook,
                budget.open(address, () -> Thread.ofVirtual().start(() -> guard(this, "budget", () -> change(EchoSession::closeIfOverBudget)))));
    }

    synchronized void start() {
        progress();
    }

    /** A read completed (through the server's handler: {@code --debug} times it). */
    synchronized void onRead(int count) {
        reading = false;
        if (closed) {
            return; // closed while this read was completing (a deadline): its bytes go with it
        }
        if (count < 0) {
            session.endOfStream();
        } else {
            try {
                clients.received(session, readBuffer.filled(count));
            } catch (RuntimeException | IOException handlerFailed) { // the book's lesson: logged, with its client; not lost
                log.error(address, "read handler failed, closing this client after the echo it is owed", handlerFailed);
                session.closeAfterOwed("closed after a handler failure");
            }
            // A short read found the socket empty at that moment (a channel cannot ask for more).
            turnOver = fairShare.turnIsOver(count, count < readBuffer.capacity());
            readBuffer.adapt(count);
        }
        progress();
    }

    private synchronized void onWritten(int count) {
        writing = false;
        if (!closed) {
            session.sent(count);
            progress();
        }
    }

    /** After every event: write what is owed, FIN once a closing client is owed nothing, close when done, read. */
    private void progress() {
        if (closed) {
            return;
        }
        if (!writing && session.hasUnsent()) {
            writing = true; // the session never moves bytes it handed out: more echo may be queued meanwhile
            channel.write(session.unsent(), deadline(), TimeUnit.MILLISECONDS, this, WHEN_WRITTEN);
        }
        if (!writing && session.wantsFin()) {
            try {
                channel.shutdownOutput(); // see LingeringClose: FIN, then drain, then close
            } catch (IOException gone) {
                close("connection lost while closing: " + gone.getMessage());
                return;
            }
            session.finSent();
        }
        if (session.isFinished() || session.lingerExpired()) {
            close(session.outcome());
        } else if (!reading && (session.wantsInput() || session.draining())) {
            reading = true;
            ByteBuffer buffer = readBuffer.forRead();
            if (turnOver) {
                // Started from outside the group, a read whose data is waiting completes through
                // the group's queue, behind everybody waiting, instead of at once on this thread.
                turnOver = false;
                Thread.ofVirtual().start(() -> guard(this, "read", () -> read(buffer)));
            } else {
                read(buffer);
            }
        }
    }

    private void read(ByteBuffer buffer) {
        channel.read(buffer, deadline(), TimeUnit.MILLISECONDS, this, WHEN_READ);
    }

    /** No time limit (0), except while closing: then no read or write may outlast the lingering close. */
    private long deadline() {
        return session.closing() ? Math.max(1, session.lingerMillisLeft()) : 0;
    }

    private synchronized void onFailure(String operation, Throwable failed) {
        if (closed) {
            return; // we closed the channel ourselves, which fails whatever was in flight; close() said why
        }
        if (failed instanceof IOException lost) {
            close(session.closing() ? session.outcome() : "connection lost during " + operation + ": " + lost.getMessage());
        } else {
            log.error(address, operation + " failed unexpectedly", failed);
            close("closed after an unexpected " + operation + " failure");
        }
    }

    /** From outside the callbacks (the stop, the budget, a refusal): a change to the session, then what it calls for. */
    private synchronized void change(Consumer<EchoSession> change) {
        change.accept(session);
        progress();
    }

    @Override
    public SocketAddress address() {
        return address;
    }

    @Override
    public void refuse(byte[] reply) {
        change(refused -> refused.closeWithReply(reply, "refused"));
    }

    /** See ConnectedClients. A channel cannot say whether bytes sit unread: a line arriving this instant goes with an idle client. */
    @Override
    public synchronized void stopReading() {
        if (reading && session.isIdle() && !session.closing()) {
            close("closed at the stop, idle");
        } else if (!session.isIdle()) {
            change(stopped -> stopped.closeAfterLine(ConnectedClients.STOPPED_BETWEEN_LINES));
        }
    }

    @Override
    public synchronized void closeNow(String outcome) {
        close(outcome);
    }

    private void close(String outcome) {
        if (!closed) {
            closed = true;
            Closer.close(channel, log); // fails any read or write in flight: onFailure sees closed
            session.release();
            clients.left(this, outcome);
        }
    }

    /** The two callbacks, shared by every connection; the connection travels as the attachment. */
    private record Callback(String operation) implements CompletionHandler<Integer, ChannelsConnection> {
        @Override
        public void completed(Integer count, ChannelsConnection connection) {
            try {
                if (this == WHEN_READ) {
                    connection.handler.handle(connection, count);
                } else {
                    connection.onWritten(count);
                }
            } catch (IOException | RuntimeException | Error failure) {
                connection.handlerFailed(operation, failure);
            }
        }

        @Override
        public void failed(Throwable failure, ChannelsConnection connection) {
            guard(connection, operation, () -> connection.onFailure(operation, failure));
        }
    }

    private static final Callback WHEN_READ = new Callback("read");
    private static final Callback WHEN_WRITTEN = new Callback("write");

    private interface Work {
        void run() throws IOException;
    }

    /**
     * The border between the JDK and our code: every callback and task runs inside one. An
     * exception that escapes a completion handler is returned to nobody: the thread dies, the trace
     * goes to stderr without the client's address, and the connection is forgotten, its client
     * waiting forever (asyncio's "Task exception was never retrieved"). Here a failure, an
     * {@code Error} included, is logged with its client, and that one client is closed.
     */
    private static void guard(ChannelsConnection connection, String operation, Work body) {
        try {
            body.run();
        } catch (IOException | RuntimeException | Error failure) {
            connection.handlerFailed(operation, failure);
        }
    }

    private void handlerFailed(String operation, Throwable failure) {
        log.error(address, operation + " handler failed, closing this client: " + failure, failure);
        closeNow("closed after a handler failure");
    }
}
