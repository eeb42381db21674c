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
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One client of the channels server: its read and write callbacks.
 *
 * <p>"Read, echo, read again" is spread over callbacks, and its state lives in fields. The read
 * and the write callbacks may run at once on two group threads, so every method that touches the
 * state holds this object's lock: cheap (starting an asynchronous read or write returns at once)
 * and reentrant, which matters, because when data is already there the JDK may call a handler
 * directly inside {@code read()} or {@code write()}, on this same thread.
 *
 * <p>The rules: one read and one write outstanding at a time (a second throws
 * {@code ReadPendingException}); a partial write is followed by a write of the rest; no read while
 * too much echo is unsent; no exception escapes a handler ({@link #guard}).
 */
final class ChannelsConnection implements ConnectedClients.Client {

    private final AsynchronousSocketChannel channel;
    private final SocketAddress address;
    private final EchoSession session;
    private final Log log;
    private final ConnectedClients clients;
    private final Executor groupThreads;
    private final DebugMode.Handler<ChannelsConnection> handler;
    private final ReadBuffer readBuffer = new ReadBuffer();
    private final FairShare fairShare = new FairShare(4 * ReadBuffer.MAX);
    private boolean reading;
    /** Set when this client has had its share of a group thread: the next read queues behind the others. */
    private boolean turnOver;
    private boolean writing;
    private boolean closed;

    ChannelsConnection(AsynchronousSocketChannel channel, SocketAddress address, int maxLine, Log log, EchoSession.LineHook hook,
            MemoryBudget budget, ConnectedClients clients, Executor groupThreads, DebugMode.Handler<ChannelsConnection> handler) {
        this.channel = channel;
        this.address = address;
        this.log = log;
        this.clients = clients;
        this.groupThreads = groupThreads;
        this.handler = handler;
        // Over budget, the client holding the most may be silent: a group thread looks at it now.
        this.session = new EchoSession(address, maxLine, log, hook,
                budget.open(address, () -> groupThreads.execute(() -> guard(this, "memory budget", this::overBudget))));
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
            } catch (RuntimeException | IOException handlerFailed) {
                // The lines before the failing one are queued already: they go out, then we close.
                log.error(address, "read handler failed, closing this client after the echo it is owed", handlerFailed);
                session.closeAfterOwed("closed after a handler failure");
            }
            readBuffer.adapt(count);
            turnOver = fairShare.turnIsOver(count);
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
            writing = true;
            // The session never moves bytes it has handed out, so more echo may be queued while this is in flight.
            write(session.unsent());
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
                turnOver = false;
                groupThreads.execute(() -> guard(this, "read", () -> read(buffer))); // behind everybody waiting
            } else {
                read(buffer);
            }
        }
    }

    /** While closing, no read or write may wait longer than the lingering close may last. */
    private void read(ByteBuffer buffer) {
        if (session.closing()) {
            channel.read(buffer, Math.max(1, session.lingerMillisLeft()), TimeUnit.MILLISECONDS, this, WHEN_READ);
        } else {
            channel.read(buffer, this, WHEN_READ);
        }
    }

    private void write(ByteBuffer echo) {
        if (session.closing()) {
            channel.write(echo, Math.max(1, session.lingerMillisLeft()), TimeUnit.MILLISECONDS, this, WHEN_WRITTEN);
        } else {
            channel.write(echo, this, WHEN_WRITTEN);
        }
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

    private synchronized void overBudget() {
        session.closeIfOverBudget();
        progress();
    }

    @Override
    public SocketAddress address() {
        return address;
    }

    @Override
    public EchoSession session() {
        return session;
    }

    @Override
    public synchronized void refuse(byte[] reply) {
        session.closeWithReply(reply, "refused");
        progress();
    }

    /**
     * See ConnectedClients. Unlike a socket, a channel cannot say whether bytes sit unread in its
     * buffer: a line arriving in this very instant is lost with an idle client's connection.
     */
    @Override
    public synchronized void stopReading() {
        if (reading && session.isIdle() && !session.closing()) {
            close("closed at the stop, idle");
        } else if (!session.isIdle()) {
            session.closeAfterLine(ConnectedClients.STOPPED_BETWEEN_LINES);
            progress();
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

    /* Both handlers are shared by every connection; the connection travels as the attachment. */
    private static final CompletionHandler<Integer, ChannelsConnection> WHEN_READ = new CompletionHandler<>() {
        @Override
        public void completed(Integer count, ChannelsConnection connection) {
            guard(connection, "read", () -> connection.handler.handle(connection, count));
        }

        @Override
        public void failed(Throwable failure, ChannelsConnection connection) {
            guard(connection, "read", () -> connection.onFailure("read", failure));
        }
    };

    private static final CompletionHandler<Integer, ChannelsConnection> WHEN_WRITTEN = new CompletionHandler<>() {
        @Override
        public void completed(Integer count, ChannelsConnection connection) {
            guard(connection, "write", () -> connection.onWritten(count));
        }

        @Override
        public void failed(Throwable failure, ChannelsConnection connection) {
            guard(connection, "write", () -> connection.onFailure("write", failure));
        }
    };

    /** A piece of a handler's work, which may throw. */
    private interface Work {
        void run() throws IOException;
    }

    /**
     * The border between the JDK and our code. An exception that escapes a completion handler is
     * returned to nobody: the group's thread dies, the stack trace goes to stderr without the
     * client's address, and the connection is forgotten, its client waiting forever (asyncio's
     * "Task exception was never retrieved", Java style). So every handler body runs here: a
     * failure, an {@code Error} included, is logged with its client, and that one client is closed.
     */
    private static void guard(ChannelsConnection connection, String operation, Work body) {
        try {
            body.run();
        } catch (IOException | RuntimeException | Error failure) {
            connection.log.error(connection.address, operation + " handler failed, closing this client: " + failure, failure);
            connection.closeNow("closed after a handler failure");
        }
    }
}
