package dev.echostages.stage5;

import dev.echostages.common.AcceptBackoff;
import dev.echostages.common.Closer;
import dev.echostages.common.EchoServer;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stage 5, the callback server ({@code --server channels}): NIO.2 completion handlers.
 *
 * <p>What it adds. Stage 4 asked a selector "which sockets are ready?" and then did each read and
 * write itself. Here the JDK does the whole operation: "read into this buffer, and call me back
 * when it is done". An {@link AsynchronousSocketChannel} performs the read and a
 * {@link CompletionHandler} is called with the result on a thread of our channel group: the
 * proactor pattern, the closest Java kin of asyncio's loop resuming a task when {@code sock_recv}
 * has data. On Linux the JDK builds it on epoll: stage 4's selector, run for us.
 *
 * <p>This file is the wiring: the group, accepting, stopping. One client's callbacks are in
 * {@link ChannelsConnection}, the way Netty's echo example splits server from handler.
 *
 * <p>What you will see: every client served by a few group threads ({@code channels-1},
 * {@code channels-2}); under {@code --debug}, {@code sleep 1} and {@code spin 1} both hold a group
 * thread, and the warning says which client held it and whether it was blocked or computing.
 *
 * <p>What goes wrong: the code is turned inside out, its state in fields under a lock; forget a
 * rule and the JDK throws {@code ReadPendingException} or a handler's exception is lost. And a
 * read must own its buffer before any data arrives, so every silent client pins one (kept small by
 * {@link ReadBuffer}); a selector could share one buffer for all.
 */
public final class ChannelsEchoServer implements EchoServer {

    /** A burst of connects waits in the kernel's queue, and through an accept back-off. */
    private static final int ACCEPT_BACKLOG = 4096;
    /** After the grace, how long the group's threads get to return from their last handlers. */
    private static final long GROUP_TERMINATION_MILLIS = 1000;

    private final Log log;
    private final int maxLine;
    private final long graceMillis;
    private final EchoSession.LineHook lineHook;
    private final DebugMode debug;
    private final ConnectedClients<ChannelsConnection> clients;
    private final AcceptBackoff acceptBackoff;
    private final int threadCount;
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final ExecutorService groupThreads;
    private final AsynchronousChannelGroup group;
    private final AsynchronousServerSocketChannel listener;
    private final InetSocketAddress localAddress;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile boolean stopping;
    /** Opened when the stop is complete: {@code serve()} and later {@code stop()} calls wait for it. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    public ChannelsEchoServer(ServerOptions options, Log log) throws IOException {
        this.log = log;
        this.maxLine = options.maxLine();
        this.graceMillis = options.intValue("--grace-ms");
        this.debug = options.flag("--debug") ? new DebugMode(log, options.intValue("--slow-callback-ms")) : null;
        this.lineHook = Boom.hook(debug);
        this.clients = new ConnectedClients<>(log, options.intValue("--max-clients"));
        InetSocketAddress bindAddress = options.bindAddress(); // a bad host fails before any thread starts
        // Our own group on our own pool: only then can stop() shut its threads down and wait for
        // them, and a connection that has had its turn can queue its next read behind the others
        // (ChannelsConnection.READ_BUDGET). A handler must never block: it holds one of these threads.
        this.threadCount = Runtime.getRuntime().availableProcessors();
        this.groupThreads = Executors.newFixedThreadPool(threadCount, this::newGroupThread);
        this.group = AsynchronousChannelGroup.withThreadPool(groupThreads);
        try {
            listener = AsynchronousServerSocketChannel.open(group);
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true); // restart at once despite TIME_WAIT
            listener.bind(bindAddress, ACCEPT_BACKLOG);
            localAddress = (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException | RuntimeException cannotListen) {
            group.shutdownNow();
            throw cannotListen;
        }
        acceptBackoff = new AcceptBackoff(log, localAddress);
    }

    private Thread newGroupThread(Runnable work) {
        Thread thread = new Thread(work, "channels-" + threadNumber.incrementAndGet());
        thread.setDaemon(true); // serve() on the caller's thread is what keeps a process alive, as in every stage
        // Last line of defence: guard() catches every exception, so only an Error can get here.
        thread.setUncaughtExceptionHandler((dead, failure) ->
                log.error(localAddress, "uncaught in " + dead.getName() + ", the pool replaces the thread", failure));
        return thread;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Accepts on the caller's thread until the stop; the stop itself runs in {@link #stop()}.
     *
     * <p>Why not an accept completion handler, like everything else here: the JDK hands a
     * completed accept to the group's queue like any other callback, behind every busy client's
     * reads, so with 50 clients sending at full speed only 3 had been accepted after 3 s (stage 4:
     * all 50 within 5 ms). Waiting on the accept's {@code Future} on a thread of our own, the
     * JDK takes a waiting connection right on this thread, and otherwise completes the future
     * from its poller, without going through the queue: accepting waits for nobody.
     */
    @Override
    public void serve() throws IOException {
        log.event("serving with completion handlers on " + threadCount + " group thread(s)");
        BeforeTheFirstAccept.loadClasses(ChannelsConnection.class);
        while (!stopping) {
            AsynchronousSocketChannel channel;
            try {
                channel = listener.accept().get();
            } catch (ExecutionException failed) {
                if (stopping) {
                    break; // stop() closed the listener: the normal way out
                }
                // Most likely out of file descriptors. The connection stays in the kernel's queue;
                // pause (see AcceptBackoff), keep the listener, and the connected keep being served.
                Throwable cause = failed.getCause();
                pause(acceptBackoff.failed(cause instanceof IOException io ? io : new IOException(cause), clients.count()));
                continue;
            } catch (InterruptedException interrupted) {
                log.warn("serve() interrupted: stopping"); // whoever interrupts the serving thread wants it back
                Thread.currentThread().interrupt();
                stop();
                return;
            }
            acceptBackoff.succeeded();
            admit(channel);
        }
        awaitStopped();
    }

    private void pause(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while backing off after a failed accept", interrupted);
        }
    }

    private void admit(AsynchronousSocketChannel channel) {
        SocketAddress address;
        try {
            address = channel.getRemoteAddress();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true); // an echo is wanted now: no Nagle delay
        } catch (IOException goneAlready) {
            log.event("a client left before it could be served: " + goneAlready.getMessage());
            Closer.close(channel, log);
            return;
        }
        var connection = new ChannelsConnection(channel, address, lineHook, maxLine, log, clients, groupThreads, debug);
        Optional<byte[]> refusal = clients.admit(connection);
        if (refusal.isEmpty()) {
            connection.start();
            return;
        }
        // The reply, FIN, close. A fresh connection's send buffer is empty: the write completes at once.
        try (channel) {
            channel.write(ByteBuffer.wrap(refusal.get())).get(1, TimeUnit.SECONDS);
            channel.shutdownOutput(); // FIN after the reply, so close() cannot turn it into a reset
        } catch (IOException | ExecutionException | TimeoutException gone) {
            log.event(address, "refused client was already gone: " + gone);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt(); // the accept loop sees it next and stops
        }
    }

    /**
     * Stops by the rule in {@link ConnectedClients} and returns when done, the group's threads
     * gone too. Callable from any thread but a group thread, more than once.
     */
    @Override
    public void stop() {
        if (!stopRequested.compareAndSet(false, true)) {
            awaitStopped(); // someone else is stopping: return when they are done, as promised
            return;
        }
        try {
            stopping = true;
            Closer.close(listener, log);
            log.event("stop: listening socket closed, new connections are refused from now on");
            clients.stop(graceMillis);
            shutDownGroup();
        } finally {
            stopped.countDown();
        }
    }

    private void shutDownGroup() {
        // Every channel is closed by now (a refused client may still be finishing its one line):
        // shutdownNow closes any stragglers, and the threads end once their last handler returns.
        try {
            group.shutdownNow();
            if (group.awaitTermination(GROUP_TERMINATION_MILLIS, TimeUnit.MILLISECONDS)) {
                log.event("stop: channel group terminated, its threads are gone");
            } else {
                log.warn("stop: channel group threads still busy after " + GROUP_TERMINATION_MILLIS + " ms; leaving them");
            }
        } catch (IOException failure) {
            log.warn("stop: shutting down the channel group failed: " + failure);
        } catch (InterruptedException interrupted) {
            log.warn("stop: interrupted while shutting down the channel group");
            Thread.currentThread().interrupt();
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
}
