package dev.echostages.stage5;

import dev.echostages.common.Closer;
import dev.echostages.common.EchoSession;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.TimeUnit;

/**
 * One client of the channels server: "read, echo, read again" spread over callbacks, its state in fields
 * under this object's lock (the read and the write callbacks may run at once on two group threads;
 * reentrant, as the JDK may call a handler inside {@code read()} or {@code write()} when data is there).
 * The rules: one read and one write outstanding at a time (a second throws {@code ReadPendingException}),
 * the rest of a partial write written next, no read while too much echo is unsent.
 */
final class ChannelsConnection implements ConnectedClients.Client, CompletionHandler<Integer, String> {

    private final AsynchronousSocketChannel channel;
    private final ChannelsEchoServer server;
    private final EchoSession session;
    private final ReadBuffer readBuffer = new ReadBuffer();
    private final FairShare fairShare = new FairShare(4 * ReadBuffer.MAX);
    private boolean reading;
    private boolean writing;
    private boolean turnOver; // this client has had its FairShare of a group thread
    private boolean closed;

    ChannelsConnection(AsynchronousSocketChannel channel, ChannelsEchoServer server) throws IOException {
        this.channel = channel;
        this.server = server;
        SocketAddress address = channel.getRemoteAddress();
        this.session = new EchoSession(address, server.maxLine, server.log, server.lineHook,
                server.budget.open(address, () -> HandlerGuard.offTheGroup(this, "budget", server.log, this::closeIfOverBudget)));
    }

    /** Both callbacks, told apart by the attachment (the operation's name); nothing escapes the {@link HandlerGuard}. */
    @Override
    public synchronized void completed(Integer count, String operation) {
        HandlerGuard.run(this, operation, server.log, () -> {
            if (closed) {
                return; // closed meanwhile (a deadline, the stop): what this read or write did goes with it
            } else if (operation.equals("read")) {
                server.handler.handle(this, count); // onRead, timed under --debug
            } else {
                writing = false;
                session.sent(count);
                progress();
            }
        });
    }

    /** A reset, a deadline of the lingering close, or our own close, which fails whatever is in flight. */
    @Override
    public synchronized void failed(Throwable failure, String operation) {
        HandlerGuard.run(this, operation, server.log, () -> {
            if (failure instanceof IOException) {
                closeNow(session.closing() ? session.outcome() : "connection lost during " + operation + ": " + failure.getMessage());
            } else {
                HandlerGuard.failed(this, operation, server.log, failure); // not the network's doing: logged with its trace
            }
        });
    }

    synchronized void onRead(int count) {
        reading = false;
        if (count < 0) {
            session.endOfStream();
        } else {
            try {
                server.clients.received(session, readBuffer.filled(count));
            } catch (RuntimeException | IOException handlerFailed) { // the book's lesson: logged, with its client; not lost
                server.log.error(address(), "read handler failed, closing this client after the echo it is owed", handlerFailed);
                session.closeAfterOwed("closed after a handler failure");
            }
            turnOver = fairShare.turnIsOver(count, count < readBuffer.capacity()); // short: the socket ran dry
            readBuffer.adapt(count);
        }
        progress();
    }

    /** After every event: write what is owed, FIN once a closing client is owed nothing, close when done, read. */
    synchronized void progress() {
        if (closed) {
            return;
        }
        long timeout = session.closing() ? Math.max(1, session.lingerMillisLeft()) : 0; // no limit (0), but the lingering close's
        if (!writing && session.hasUnsent()) {
            writing = true; // the session never moves bytes it handed out: more echo may be queued meanwhile
            channel.write(session.unsent(), timeout, TimeUnit.MILLISECONDS, "write", this);
        }
        if (!writing && session.wantsFin()) {
            try {
                channel.shutdownOutput(); // see LingeringClose: FIN, then drain, then close
            } catch (IOException gone) {
                closeNow("connection lost while closing: " + gone.getMessage());
                return;
            }
            session.finSent();
        }
        if (session.isFinished() || session.lingerExpired()) {
            closeNow(session.outcome());
        } else if (!reading && (session.wantsInput() || session.draining())) {
            reading = true;
            ByteBuffer buffer = readBuffer.forRead();
            if (turnOver) { // see FairShare: started off the group, a read whose data waits queues behind the others
                turnOver = false;
                HandlerGuard.offTheGroup(this, "read", server.log, () -> channel.read(buffer, timeout, TimeUnit.MILLISECONDS, "read", this));
            } else {
                channel.read(buffer, timeout, TimeUnit.MILLISECONDS, "read", this);
            }
        }
    }

    @Override
    public SocketAddress address() {
        return session.client();
    }

    @Override
    public synchronized void refuse(byte[] reply) {
        session.closeWithReply(reply, "refused");
        progress();
    }

    private synchronized void closeIfOverBudget() {
        session.closeIfOverBudget();
        progress();
    }

    /** See ConnectedClients. A channel cannot say whether bytes sit unread: a line arriving this instant goes with an idle client. */
    @Override
    public synchronized void stopReading() {
        if (reading && session.isIdle() && !session.closing()) {
            closeNow("closed at the stop, idle");
        } else if (!session.isIdle()) {
            session.closeAfterLine(ConnectedClients.STOPPED_BETWEEN_LINES);
            progress();
        }
    }

    /** Once: the close fails any read or write in flight, and {@link #failed} finds nothing left to do. */
    @Override
    public synchronized void closeNow(String outcome) {
        if (!closed) {
            closed = true;
            Closer.close(channel, server.log);
            session.release();
            server.clients.left(this, outcome);
        }
    }
}
