package dev.echostages.stage5;

import dev.echostages.common.Log;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Pitfall 5, a stop that leaves threads behind: the channels server's thread group is its own
 * ({@code channels-1}, ...), so that the stop, or a listener that cannot bind, can shut its threads
 * down and wait for them.
 *
 * <p>A fixed group: one thread per core waits on epoll itself and runs the callbacks of whatever it
 * finds ready, on the spot. A group built on an executor ({@code withThreadPool}, or the JDK's
 * default group) also has an internal thread that waits on epoll and hands what it finds to a
 * pool thread: a wake-up of another thread, a context switch, for many reads and writes. A
 * handler must never block: it holds one of these threads.
 */
final class GroupThreads {
    private final AsynchronousChannelGroup group;

    GroupThreads() throws IOException {
        group = AsynchronousChannelGroup.withFixedThreadPool(count(), Thread.ofPlatform().name("channels-", 1).daemon().factory());
    }

    int count() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** A listener in this group (so are the channels it accepts); if it cannot listen, the threads go at once. */
    AsynchronousServerSocketChannel listen(ServerOptions options) throws IOException {
        try {
            return AsynchronousServerSocketChannel.open(group)
                    .setOption(StandardSocketOptions.SO_REUSEADDR, true) // restart at once despite TIME_WAIT
                    .bind(options.bindAddress(), ConnectedClients.BACKLOG);
        } catch (IOException | RuntimeException cannotListen) {
            group.shutdownNow(); // closes the listener too
            throw cannotListen;
        }
    }

    /** After the clients: every channel is closed by now; the threads end once their last handler returns. */
    void shutDown(Log log) {
        try {
            group.shutdownNow();
            if (group.awaitTermination(1, TimeUnit.SECONDS)) {
                log.event("stop: channel group terminated, its threads are gone");
            } else {
                log.warn("stop: channel group threads still busy after 1 s; leaving them");
            }
        } catch (IOException failure) {
            log.warn("stop: shutting down the channel group failed: " + failure);
        } catch (InterruptedException interrupted) {
            log.warn("stop: interrupted while shutting down the channel group");
            Thread.currentThread().interrupt();
        }
    }
}
