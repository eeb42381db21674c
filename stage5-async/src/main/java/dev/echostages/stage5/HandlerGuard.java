package dev.echostages.stage5;

import dev.echostages.common.Log;
import java.io.IOException;

/**
 * Pitfall 6, the lost exception: an exception that escapes a completion handler is returned to
 * nobody. Its group thread dies, the trace goes to stderr without the client's address, and the
 * connection is forgotten, its client waiting forever (asyncio's "Task exception was never
 * retrieved"). So the channels server runs its callbacks and tasks inside {@link #run}: a failure,
 * an {@code Error} included, is logged with its client, and that one client is closed.
 */
final class HandlerGuard {
    private HandlerGuard() {
    }

    interface Work {
        void run() throws IOException;
    }

    static void run(ConnectedClients.Client client, String operation, Log log, Work work) {
        try {
            work.run();
        } catch (IOException | RuntimeException | Error failure) {
            failed(client, operation, log, failure);
        }
    }

    /** {@link #run} on a thread of its own, outside the group: a read started there queues behind the others. */
    static void offTheGroup(ConnectedClients.Client client, String operation, Log log, Work work) {
        Thread.ofVirtual().start(() -> run(client, operation, log, work));
    }

    static void failed(ConnectedClients.Client client, String operation, Log log, Throwable failure) {
        log.error(client.address(), operation + " handler failed, closing this client: " + failure, failure);
        client.closeNow("closed after a handler failure");
    }
}
