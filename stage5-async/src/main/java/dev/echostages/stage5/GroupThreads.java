package dev.echostages.stage5;

import dev.echostages.common.Log;
import java.io.IOException;
import java.nio.channels.AsynchronousChannelGroup;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The channels server's thread group, on a pool of our own ({@code channels-1}, ...): only then can
 * the stop shut its threads down and wait for them (pitfall 4, a stop that leaves threads behind),
 * and a client whose turn is over queue its next read behind the others ({@link FairShare}). One
 * thread per core: a handler must never block, it holds one of them.
 */
final class GroupThreads {
    final ExecutorService pool;
    final AsynchronousChannelGroup group;

    GroupThreads() throws IOException {
        pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(),
                Thread.ofPlatform().name("channels-", 1).daemon().factory());
        group = AsynchronousChannelGroup.withThreadPool(pool);
    }

    int count() {
        return Runtime.getRuntime().availableProcessors();
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
