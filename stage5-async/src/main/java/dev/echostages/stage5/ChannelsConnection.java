package dev.echostages.stage5;

import dev.echostages.common.Closer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.Executor;

/**
 * One client of the channels server: its read and write callbacks, the way Netty's echo example
 * keeps the handler apart from the wiring ({@link ChannelsEchoServer}).
 *
 * <p>The conversation is turned inside out: "read, echo, read again" is spread over callbacks and
 * its state lives in fields. The read and the write callbacks may run at once on two group
 * threads, so every method holds this object's lock. That is cheap (no I/O waits under it:
 * starting an asynchronous read or write returns at once) and reentrant, which matters: when the
 * data is already there, the JDK may call a handler directly inside {@code read()} or
 * {@code write()}, on this same thread. So each method finishes its own state changes before it
 * starts an operation.
 *
 * <p>The rules that keep it correct, each enforced where it is explained: one read and one write
 * outstanding at a time; a partial write is followed by a write of the rest; no read while too
 * much echo is unsent; no exception escapes a handler ({@link #guard}); a client that keeps
 * sending cannot keep a group thread to itself ({@link #READ_BUDGET}).
 */
final class ChannelsConnection implements ConnectedClients.Client {

    /**
     * Bytes read in a row before the next read goes to the back of the group's queue. When data is
     * already waiting, the JDK completes a read inline, on the thread that asked, and our handler
     * asks again: a busy client could keep a group thread for itself while accepts and quieter
     * clients wait their turn (before this, 3 s after connecting only 3 of 50 busy clients had
     * been accepted). Handing the read to the executor puts it behind everybody already waiting.
     */
    static final int READ_BUDGET = 64 * 1024;

    private final AsynchronousSocketChannel channel;
    private final SocketAddress address;
    private final EchoSession session;
    private final Log log;
    private final ConnectedClients<ChannelsConnection> clients;
    /** The group's own threads: where a read goes when this client has had its turn. */
    private final Executor groupThreads;
    /** Null unless {@code --debug}: then each read's handling is timed. */
    private final DebugMode debug;
    private final ReadBuffer readBuffer = new ReadBuffer();
    /** The buffer of the read in flight: nobody touches it until that read completes. */
    private ByteBuffer readInto;
    private boolean reading;
    private boolean writing;
    private int readInARow;
    /** Set at the stop, between lines: nothing more from this client is echoed. */
    private boolean inputOver;
    /** Our FIN is out; reads now only drain what the client still sends (see closeIfFinished). */
    private boolean finSent;
    private String failure;
    private boolean closed;

    ChannelsConnection(AsynchronousSocketChannel channel, SocketAddress address, EchoSession.LineHook hook, int maxLine,
            Log log, ConnectedClients<ChannelsConnection> clients, Executor groupThreads, DebugMode debug) {
        this.channel = channel;
        this.address = address;
        this.session = new EchoSession(address, maxLine, log, hook);
        this.log = log;
        this.clients = clients;
        this.groupThreads = groupThreads;
        this.debug = debug;
    }

    @Override
    public SocketAddress address() {
        return address;
    }

    synchronized void start() {
        readMore();
    }

    private void readMore() {
        if (closed || reading || !(session.wantsInput() || finSent)) {
            return; // two reads at once would throw ReadPendingException; paused or ended: no read
        }
        reading = true;
        ByteBuffer buffer = readInto = readBuffer.forRead();
        if (readInARow < READ_BUDGET) {
            channel.read(buffer, this, WHEN_READ);
        } else {
            readInARow = 0;
            groupThreads.execute(() -> guard(this, "read", () -> channel.read(buffer, this, WHEN_READ)));
        }
    }

    private synchronized void onRead(int count) throws IOException {
        reading = false;
        if (closed) {
            return; // closed while this read was completing (the deadline): its bytes go with it
        }
        if (debug == null) {
            handleRead(count);
        } else {
            debug.timed(address, () -> handleRead(count));
        }
    }

    private void handleRead(int count) {
        if (inputOver) { // after the stop: what the client still sends is dropped
            if (count < 0 && finSent) {
                close("closed at the stop, its echo complete");
                return;
            }
            readInARow += Math.max(count, 0);
            readMore();
            closeIfFinished();
            return;
        }
        if (count < 0) {
            session.endOfStream();
        } else {
            readInARow += count;
            try {
                session.received(clients.stopping() ? ConnectedClients.finishingLineOnly(readInto.flip(), session) : readInto.flip());
            } catch (RuntimeException | IOException handlerFailed) {
                // The lines before the failing one are queued already: they go out, then we close.
                log.error(address, "read handler failed, closing this client after the echo it is owed", handlerFailed);
                session.finishInput();
                failure = "closed after a handler failure";
            }
            readBuffer.adapt(count);
        }
        if (clients.stopping()) {
            stopTakingInput();
        }
        writeOwed();
        readMore();
        closeIfFinished();
    }

    /** One write at a time: a second would throw WritePendingException, and could interleave bytes. */
    private void writeOwed() {
        if (!closed && !writing && session.hasUnsent()) {
            writing = true;
            // The session never moves bytes it has handed out, so more echo may be queued while this is in flight.
            channel.write(session.unsent(), this, WHEN_WRITTEN);
        }
    }

    private synchronized void onWritten(int count) {
        writing = false;
        if (closed) {
            return;
        }
        session.sent(count);
        writeOwed(); // a partial write (the client's window was full) leaves the rest unsent: write it
        readMore(); // reading again once the echo owed is below the low mark (EchoSession, "Backpressure")
        closeIfFinished();
    }

    private void closeIfFinished() {
        if (closed || writing || finSent || !session.isFinished()) {
            return;
        }
        if (inputOver && failure == null) {
            // Lingering close: FIN, then read and drop whatever the client still sends until it
            // closes (or the deadline closes it). Closing with its bytes unread would make the
            // kernel send a reset, which throws away the end of the echo still on its way.
            finSent = true;
            try {
                channel.shutdownOutput();
            } catch (IOException gone) {
                close("connection lost at the stop: " + gone.getMessage());
                return;
            }
            readMore();
            return;
        }
        if (failure == null) {
            try {
                channel.shutdownOutput(); // FIN after the last echo, before close() can turn unread input into a reset
            } catch (IOException gone) {
                log.event(address, "could not send FIN: " + gone.getMessage());
            }
        }
        close(failure != null ? failure
                : session.endedWithOverlongLine() ? "disconnected for an overlong line"
                : "disconnected");
    }

    private synchronized void onFailure(String operation, Throwable failed) {
        if (operation.equals("read")) {
            reading = false;
        } else {
            writing = false;
        }
        if (closed) {
            return; // we closed the channel ourselves, which fails whatever was in flight; close() said why
        }
        if (failed instanceof IOException lost) {
            close("connection lost during " + operation + ": " + lost.getMessage()); // the client's doing, its end only
        } else {
            log.error(address, operation + " failed unexpectedly", failed);
            close("closed after an unexpected " + operation + " failure");
        }
    }

    /**
     * See ConnectedClients: the stop has begun. A client whose read is waiting with nothing in
     * flight is closed at once. (Unlike a socket, a channel cannot say whether bytes sit unread in
     * its buffer: a line arriving in this very instant is lost with the connection.) Any other
     * client stops taking input once it is between lines, and is closed once its echo is out.
     */
    @Override
    public synchronized void stopReading() {
        if (!closed && reading && !inputOver && session.isIdle()) {
            close("closed at the stop, idle");
            return;
        }
        stopTakingInput();
        writeOwed();
        closeIfFinished();
    }

    private void stopTakingInput() {
        if (!inputOver && !closed && session.unfinishedLineBytes() == 0) {
            inputOver = true; // mid-line: handleRead calls again after each read, until the line is done
            session.finishInput();
        }
    }

    @Override
    public synchronized void closeNow(String outcome) {
        close(outcome);
    }

    private void close(String outcome) {
        if (closed) {
            return;
        }
        closed = true;
        Closer.close(channel, log); // fails any read or write in flight: onFailure sees closed
        clients.left(this, outcome);
    }

    /*
     * Both handlers are shared by every connection; the connection travels as the attachment.
     */
    private static final CompletionHandler<Integer, ChannelsConnection> WHEN_READ = new CompletionHandler<>() {
        @Override
        public void completed(Integer count, ChannelsConnection connection) {
            guard(connection, "read", () -> connection.onRead(count));
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

    /**
     * The border between the JDK and our code. An exception that escapes a completion handler is
     * returned to nobody: the group's thread dies, the JDK starts another, the stack trace goes to
     * stderr without the client's address, and the connection is forgotten, its client waiting
     * forever (asyncio's "Task exception was never retrieved", Java style). So every handler body
     * runs here: a failure is logged with its client and stack trace, and that one client is closed.
     */
    private static void guard(ChannelsConnection connection, String operation, DebugMode.Section body) {
        try {
            body.run();
        } catch (IOException | RuntimeException failure) {
            connection.log.error(connection.address, operation + " handler failed, closing this client: " + failure, failure);
            connection.closeNow("closed after a handler failure");
        }
    }
}
