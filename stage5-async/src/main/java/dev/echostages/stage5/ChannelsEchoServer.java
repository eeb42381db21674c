package dev.echostages.stage5;

import dev.echostages.common.Bytes;
import dev.echostages.common.Closer;
import dev.echostages.common.EchoServer;
import dev.echostages.common.LineFramer;
import dev.echostages.common.LineFramer.LineTooLongException;
import dev.echostages.common.Log;
import dev.echostages.common.Protocol;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stage 5, the callback server ({@code --server channels}): NIO.2 completion handlers.
 *
 * <p>What this adds. Stage 4 asked a selector "which sockets are ready?" and then did each read
 * and write itself. Here we hand the whole operation to the JDK: "read into this buffer, and call
 * me back when it is done". An {@link AsynchronousSocketChannel} performs the read, and a
 * {@link CompletionHandler} is called with the result on one of the threads of our channel group.
 * That is the proactor pattern, the closest Java kin of asyncio's event loop resuming a task when
 * {@code sock_recv} has data. On Linux the JDK builds it on epoll: stage 4's selector again, run
 * for us on the group's threads.
 *
 * <p>What you will see: every client served at once by one group thread per core
 * ({@code channels-1}, {@code channels-2} on two cores); each log line names its client. Type {@code boom} and that client's handler
 * throws: the error is logged with the client's address and the stack trace, that client is
 * closed, nobody else notices. Ctrl-C closes the listening socket at once, gives the connected
 * clients one shared grace period ({@code --grace-ms}) and then closes whoever is left.
 *
 * <p>The rules that keep it correct, each explained where it is enforced: one read and one write
 * outstanding per connection; a partial write is re-issued; no read while too much echo is
 * unsent; no exception escapes a handler; one deadline for the whole shutdown.
 *
 * <p>What goes wrong: the code is turned inside out. "Read a line, echo it, read the next" no
 * longer reads top to bottom: it is spread over callbacks, its state lives in fields, and those
 * fields need a lock because the callbacks of one connection may run on different threads.
 * Forget a rule and the JDK throws {@code ReadPendingException}, or an exception escapes a handler,
 * kills a pool thread and leaves its client hanging forever. And a read must own its buffer before
 * any data arrives, so every silent client pins one (16 KiB; 1,000 idle clients, 16 MB), where a
 * selector can share a single buffer. The virtual-thread server says the same thing in plain
 * blocking code.
 *
 * <p>Run: {@code ./mvnw -q -pl stage5-async -am package -DskipTests exec:exec -Dargs="--server channels"},
 * then {@code telnet localhost 8000} in two other terminals.
 */
public final class ChannelsEchoServer implements EchoServer {

    /** Bytes per read. Every outstanding read holds its own buffer (a selector could share one). */
    private static final int READ_BUFFER_SIZE = 16 * 1024;
    /** A thousand clients connecting at once must not overflow the kernel's queue of new connections. */
    private static final int ACCEPT_BACKLOG = 4096;
    /** After a failed accept (out of file descriptors, say) wait this long instead of spinning. */
    private static final long ACCEPT_RETRY_MILLIS = 100;
    /** After the grace, how long the group's threads get to return from their last handlers. */
    private static final long GROUP_TERMINATION_MILLIS = 1000;

    /** The book's magic failure: exactly this line (with either ending) makes the handler throw. */
    private static final ByteBuffer BOOM_LF = ByteBuffer.wrap(new byte[] {'b', 'o', 'o', 'm', '\n'}).asReadOnlyBuffer();
    private static final ByteBuffer BOOM_CRLF = ByteBuffer.wrap(new byte[] {'b', 'o', 'o', 'm', '\r', '\n'}).asReadOnlyBuffer();

    private final Log log;
    private final int maxLine;
    private final int maxClients;
    private final long graceMillis;
    private final int threadCount;
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final AsynchronousChannelGroup group;
    private final AsynchronousServerSocketChannel listener;
    private final InetSocketAddress localAddress;

    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** Admitted clients; counted apart from the set so that two accepts at once cannot both take the last place. */
    private final AtomicInteger clientCount = new AtomicInteger();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile boolean stopping;
    /** Opened when the last client is gone during a stop, so the stop need not wait for the deadline. */
    private final CountDownLatch lastClientGone = new CountDownLatch(1);
    /** Opened when the stop is complete: {@code serve()} and later {@code stop()} calls wait for it. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    public ChannelsEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.maxClients = options.intValue("--max-clients");
        this.graceMillis = options.intValue("--grace-ms");
        InetSocketAddress bindAddress = options.bindAddress(); // a bad host fails before any thread starts
        // Our own group, not the JDK's default one: only then can stop() shut down its threads and
        // wait for them. Its threads both wait for epoll events and run our handlers, so a handler
        // must never block: it would take a thread away from every client.
        this.threadCount = Runtime.getRuntime().availableProcessors();
        this.group = AsynchronousChannelGroup.withFixedThreadPool(threadCount, this::newGroupThread);
        try {
            listener = AsynchronousServerSocketChannel.open(group);
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true); // restart at once despite TIME_WAIT
            listener.bind(bindAddress, ACCEPT_BACKLOG);
            localAddress = (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException | RuntimeException cannotListen) {
            group.shutdownNow();
            throw cannotListen;
        }
    }

    private Thread newGroupThread(Runnable work) {
        Thread thread = new Thread(work, "channels-" + threadNumber.incrementAndGet());
        // serve() on the caller's thread is what keeps a process alive, as in every stage.
        thread.setDaemon(true);
        // Last line of defence: guard() catches every RuntimeException, so only an Error can get
        // here. Without this the JDK would print it with no context and start another thread.
        thread.setUncaughtExceptionHandler((dead, failure) ->
                log.error(localAddress, "uncaught in " + dead.getName() + ", the JDK replaces the thread", failure));
        return thread;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Starts accepting, then waits on the caller's thread: all the work happens in callbacks. */
    @Override
    public void serve() {
        log.event("serving with completion handlers on " + threadCount + " group thread(s)");
        acceptNext();
        try {
            stopped.await();
        } catch (InterruptedException interrupted) {
            // Whoever interrupts the serving thread wants it back: treat it as a stop request.
            log.warn("serve() interrupted: stopping");
            stop();
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ accepting

    private void acceptNext() {
        if (!stopping) { // stop() closed the listener; an accept now would only fail
            listener.accept(null, whenAccepted);
        }
    }

    private final CompletionHandler<AsynchronousSocketChannel, Void> whenAccepted = new CompletionHandler<>() {
        @Override
        public void completed(AsynchronousSocketChannel channel, Void unused) {
            // Re-arm first: the next client is accepted while this one is being set up. (Only one
            // accept may be outstanding; this one has completed, so another may start.)
            acceptNext();
            try {
                admit(channel);
            } catch (RuntimeException failure) {
                log.error(localAddress, "setting up a new connection failed, closing it", failure);
                Closer.close(channel, log);
            }
        }

        @Override
        public void failed(Throwable failure, Void unused) {
            if (stopping) {
                log.event("stop: accepting has ended (" + describe(failure) + ")");
                return;
            }
            // Most likely out of file descriptors. Retrying at once would spin on the same error;
            // a short pause lets clients leave and free some.
            log.warn("accept failed (" + describe(failure) + "), retrying in " + ACCEPT_RETRY_MILLIS + " ms");
            CompletableFuture.delayedExecutor(ACCEPT_RETRY_MILLIS, TimeUnit.MILLISECONDS).execute(() -> {
                try {
                    acceptNext();
                } catch (RuntimeException cannotAccept) {
                    log.error(localAddress, "accepting failed for good: no new clients from now on", cannotAccept);
                }
            });
        }
    };

    private void admit(AsynchronousSocketChannel channel) {
        SocketAddress address;
        try {
            address = channel.getRemoteAddress();
            // An echo is small and wanted now: do not let Nagle hold it back waiting for an ACK.
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException goneAlready) {
            log.event("a client left before it could be served: " + describe(goneAlready));
            Closer.close(channel, log);
            return;
        }
        if (clientCount.incrementAndGet() > maxClients) {
            clientCount.decrementAndGet();
            refuse(channel, address);
            return;
        }
        Connection connection = new Connection(channel, address);
        connections.add(connection);
        // Added first, checked second (stop() does the opposite): either stop() sees this client
        // and waits for it, or this sees the stop and closes it. It cannot slip between the two.
        if (stopping) {
            connection.close("connected during shutdown: closed");
            return;
        }
        log.event(address, "connected (clients now: " + clientCount.get() + ")");
        connection.readMore();
    }

    /** No place left: one line saying why, then hang up, instead of leaving the client unserved. */
    private void refuse(AsynchronousSocketChannel channel, SocketAddress address) {
        log.warn(address, "refused: already serving " + maxClients + " clients (--max-clients)");
        ByteBuffer reply = ByteBuffer.wrap(Protocol.serverFullReply(maxClients));
        channel.write(reply, null, new CompletionHandler<Integer, Void>() {
            @Override
            public void completed(Integer written, Void unused) {
                if (reply.hasRemaining()) {
                    channel.write(reply, null, this); // a partial write: send the rest
                    return;
                }
                try {
                    channel.shutdownOutput(); // FIN after the reply, so close() cannot turn it into a reset
                } catch (IOException gone) {
                    log.event(address, "refused client left before our FIN: " + describe(gone));
                }
                Closer.close(channel, log);
            }

            @Override
            public void failed(Throwable failure, Void unused) {
                log.event(address, "refused client was already gone: " + describe(failure));
                Closer.close(channel, log);
            }
        });
    }

    // ------------------------------------------------------------------ the handlers

    /*
     * Both handlers are shared by every connection; the connection travels as the attachment.
     * Each body runs through guard(), the one place where a failure inside our code is caught.
     */
    private final CompletionHandler<Integer, Connection> whenRead = new CompletionHandler<>() {
        @Override
        public void completed(Integer count, Connection connection) {
            guard(connection, "read", () -> connection.onRead(count));
        }

        @Override
        public void failed(Throwable failure, Connection connection) {
            guard(connection, "read", () -> connection.onFailure("read", failure));
        }
    };

    private final CompletionHandler<Integer, Connection> whenWritten = new CompletionHandler<>() {
        @Override
        public void completed(Integer count, Connection connection) {
            guard(connection, "write", () -> connection.onWritten(count));
        }

        @Override
        public void failed(Throwable failure, Connection connection) {
            guard(connection, "write", () -> connection.onFailure("write", failure));
        }
    };

    /**
     * The border between the JDK and our code. An exception that escapes a completion handler is
     * returned to nobody: the group's thread dies, the JDK starts another, the stack trace goes to
     * stderr without the client's address, and the connection is simply forgotten, its client
     * waiting forever. That is asyncio's "Task exception was never retrieved", Java style. So every
     * handler body runs here: a failure is logged with its client and stack trace, and that one
     * client is closed.
     */
    private void guard(Connection connection, String operation, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException failure) {
            log.error(connection.address, operation + " handler failed, closing this client: " + failure, failure);
            connection.close("closed after a handler failure");
        }
    }

    // ------------------------------------------------------------------ one connection

    /**
     * Everything one client's conversation needs between callbacks. Its read and write callbacks
     * may run at the same moment on two group threads, so every method holds the connection's
     * lock. That is cheap (no I/O waits under it: starting an asynchronous read or write returns
     * at once) and reentrant, which matters: when the data is already there, the JDK may call the
     * handler of a read or write directly inside {@code read()} or {@code write()}, on this same
     * thread. So each method finishes its own state changes before it starts an operation.
     */
    private final class Connection {
        private final AsynchronousSocketChannel channel;
        private final SocketAddress address;
        private final LineFramer framer = new LineFramer(maxLine);
        /** Where the one outstanding read puts its bytes; untouched while that read is in flight. */
        private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER_SIZE);
        /** Echoes not yet written, oldest first. The head is in flight while {@code writing}. */
        private final ArrayDeque<ByteBuffer> unsent = new ArrayDeque<>();
        private int unsentBytes;
        private boolean reading;
        private boolean writing;
        /** Backpressure: the client is not reading its echoes, so we stopped reading its lines. */
        private boolean readPaused;
        /** Set at end of stream or after an overlong line: no more reads, close once flushed. */
        private String closeWhenFlushed;
        private boolean closed;

        Connection(AsynchronousSocketChannel channel, SocketAddress address) {
            this.channel = channel;
            this.address = address;
        }

        synchronized void readMore() {
            if (closed || closeWhenFlushed != null || readPaused) {
                return;
            }
            if (reading) {
                // Two reads at once would throw ReadPendingException and race for the buffer.
                throw new IllegalStateException("a read is already outstanding");
            }
            reading = true;
            readBuffer.clear();
            channel.read(readBuffer, this, whenRead);
        }

        synchronized void onRead(int count) {
            reading = false;
            if (closed) {
                return; // closed while this read was completing (a failure, the deadline): its bytes go with it
            }
            if (count < 0) {
                endOfStream();
                return;
            }
            readBuffer.flip();
            // The echo of one read is every complete line in it, including the end of a line begun
            // in earlier reads: one buffer, one write.
            ByteBuffer echo = ByteBuffer.allocate(framer.buffered() + readBuffer.remaining());
            try {
                framer.feed(readBuffer, line -> echoLine(line, echo));
            } catch (LineTooLongException tooLong) {
                send(echo.flip()); // the lines before the long one, in order
                log.warn(address, tooLong.getMessage() + ": sending an error and disconnecting");
                send(ByteBuffer.wrap(Protocol.lineTooLongReply(maxLine)));
                closeWhenFlushed = "disconnected for an overlong line";
                closeIfFlushed();
                return;
            } catch (IOException impossible) {
                throw new UncheckedIOException("echoLine only collects bytes", impossible);
            }
            send(echo.flip());
            if (unsentBytes > Protocol.HIGH_WATER_MARK) {
                // The client is not reading its echoes. Not reading its lines either is what
                // bounds our memory: TCP flow control then stops the client's writes.
                readPaused = true;
                log.event(address, "paused reading: " + unsentBytes + " bytes of echo unsent");
            } else {
                readMore();
            }
        }

        private void echoLine(ByteBuffer line, ByteBuffer echo) {
            if (line.equals(BOOM_LF) || line.equals(BOOM_CRLF)) {
                // The book's magic failure, kept on purpose: a bug deep inside one client's handler.
                throw new IllegalStateException("boom requested by client " + address);
            }
            if (!log.quiet()) {
                log.event(address, "echoing: " + Bytes.visible(line));
            }
            echo.put(line);
        }

        private void endOfStream() {
            // The client closed its side. Bytes after its last \n are still its data: echo them,
            // then everything queued, then close.
            byte[] tail = framer.takeUnterminated();
            if (tail.length > 0) {
                log.event(address, "end of stream, echoing unterminated tail: " + Bytes.visible(tail));
                send(ByteBuffer.wrap(tail));
            } else {
                log.event(address, "end of stream");
            }
            closeWhenFlushed = "disconnected";
            closeIfFlushed();
        }

        /** Queues an echo; starts writing unless a write is in flight (it will pick this up). */
        private void send(ByteBuffer data) {
            if (!data.hasRemaining()) {
                return;
            }
            unsent.addLast(data);
            unsentBytes += data.remaining();
            if (!writing) {
                writeHead();
            }
        }

        private void writeHead() {
            // One write at a time: a second would throw WritePendingException, and two writes in
            // flight could interleave their bytes on the wire.
            writing = true;
            channel.write(unsent.peekFirst(), this, whenWritten);
        }

        synchronized void onWritten(int count) {
            writing = false;
            if (closed) {
                return; // closed while this write was completing; close() said why
            }
            unsentBytes -= count;
            if (!unsent.peekFirst().hasRemaining()) {
                unsent.removeFirst();
            }
            // A partial write (the client's window was full) leaves the head with bytes left:
            // writing the head again sends exactly the rest.
            if (!unsent.isEmpty()) {
                writeHead();
            } else if (closeIfFlushed()) {
                return;
            }
            if (readPaused && unsentBytes <= Protocol.LOW_WATER_MARK) {
                // The gap between the marks keeps us from pausing and resuming on every write.
                readPaused = false;
                log.event(address, "resumed reading: " + unsentBytes + " bytes of echo unsent");
                readMore();
            }
        }

        /** After end of stream or an overlong line: once every echo is out, FIN and close. */
        private boolean closeIfFlushed() {
            if (closeWhenFlushed == null || writing || !unsent.isEmpty()) {
                return false;
            }
            try {
                // FIN after the last byte, so close() cannot turn unread input into a reset first.
                channel.shutdownOutput();
            } catch (IOException gone) {
                log.event(address, "could not send FIN: " + describe(gone));
            }
            close(closeWhenFlushed);
            return true;
        }

        synchronized void onFailure(String operation, Throwable failure) {
            if (operation.equals("read")) {
                reading = false;
            } else {
                writing = false;
            }
            if (closed) {
                // We closed the channel ourselves (a failure, the deadline), which fails the
                // operations in flight; close() already logged why. Nothing more to do.
                return;
            }
            if (failure instanceof IOException lost) {
                // A reset or a broken pipe: the client's doing, and the end of this client only.
                close("connection lost during " + operation + ": " + describe(lost));
            } else {
                log.error(address, operation + " failed unexpectedly", failure);
                close("closed after an unexpected " + operation + " failure");
            }
        }

        synchronized boolean hasUnfinishedWork() {
            return unsentBytes > 0 || framer.buffered() > 0;
        }

        synchronized void close(String outcome) {
            if (closed) {
                return;
            }
            closed = true;
            // Fails any read or write in flight with AsynchronousCloseException; see onFailure.
            Closer.close(channel, log);
            connections.remove(this);
            int left = clientCount.decrementAndGet();
            String dropped = unsentBytes == 0 ? "" : " (" + unsentBytes + " bytes of echo unsent)";
            log.event(address, outcome + dropped + " (clients now: " + left + ")");
            if (stopping && connections.isEmpty()) {
                lastClientGone.countDown();
            }
        }
    }

    // ------------------------------------------------------------------ stopping

    /**
     * Stops gracefully and returns when done: no new connections from the first instant, one
     * grace period for all connected clients together, then the rest is closed and the group's
     * threads are shut down. Callable from any thread but a group thread, more than once.
     */
    @Override
    public void stop() {
        if (!stopRequested.compareAndSet(false, true)) {
            awaitStopped(); // someone else is stopping: return when they are done, as promised
            return;
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
            stopping = true;
            Closer.close(listener, log);
            log.event("stop: listening socket closed, new connections are refused from now on");
            finishClients(deadline);
            shutDownGroup();
        } finally {
            stopped.countDown();
        }
    }

    /**
     * Connected clients keep being served, reads included, until they leave or the deadline. A
     * client that looks idle is not closed early: a line it sent just before the stop may still
     * sit unread in the socket's buffer, and closing then would lose it (and reset the connection).
     * One deadline for everybody: the book waits its timeout for each task in turn.
     */
    private void finishClients(long deadline) {
        if (connections.isEmpty()) {
            lastClientGone.countDown();
        } else {
            log.event("stop: " + connections.size() + " client(s) connected, waiting up to " + graceMillis + " ms for them");
        }
        boolean allGone;
        try {
            allGone = lastClientGone.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException interrupted) {
            log.warn("stop: interrupted while waiting for clients, closing them now");
            Thread.currentThread().interrupt();
            allGone = false;
        }
        if (allGone) {
            log.event("stop: every client has left");
            return;
        }
        List<Connection> left = List.copyOf(connections);
        long unfinished = left.stream().filter(Connection::hasUnfinishedWork).count();
        log.event("stop: grace period over, closing " + left.size() + " client(s), "
                + unfinished + " of them with an unfinished line or unsent echo");
        for (Connection connection : left) {
            connection.close("closed at the end of the grace period");
        }
    }

    private void shutDownGroup() {
        // Every channel is closed by now (refused clients may still be finishing their one line):
        // shutdownNow closes any stragglers, and the threads end once their last handler returns.
        try {
            group.shutdownNow();
            if (group.awaitTermination(GROUP_TERMINATION_MILLIS, TimeUnit.MILLISECONDS)) {
                log.event("stop: channel group terminated, its threads are gone");
            } else {
                log.warn("stop: channel group threads still busy after " + GROUP_TERMINATION_MILLIS + " ms; leaving them");
            }
        } catch (IOException | InterruptedException failure) {
            log.warn("stop: shutting down the channel group failed: " + failure);
            if (failure instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException interrupted) {
            log.warn("stop: interrupted while waiting for another stop() to finish");
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(Throwable failure) {
        return failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    }
}
