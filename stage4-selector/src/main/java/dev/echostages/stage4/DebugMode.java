package dev.echostages.stage4;

import dev.echostages.common.DebugCommand;
import dev.echostages.common.EchoSession;
import dev.echostages.common.Log;
import dev.echostages.common.ServerOptions;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * Chapter 2's debug mode, for the selector loop: asyncio's {@code loop.slow_callback_duration}.
 *
 * <p>It wraps the loop's handler: each ready key's handling is timed, and one that holds the loop
 * longer than {@code --slow-callback-ms} gets a warning that names its client, because while it
 * ran no other client was served. The loop itself does not change; it calls whatever handler it
 * is given. To have something to catch, debug mode also honours {@code sleep N} and
 * {@code spin N} lines ({@link DebugCommand}): both hold the one loop thread, so every other
 * client freezes until they end. Stage 5 runs the same lines on virtual threads, where
 * {@code sleep} no longer freezes anybody and {@code spin} still does.
 */
final class DebugMode {
    private final Log log;
    private final long slowNanos;

    private DebugMode(Log log, int slowCallbackMillis) {
        this.log = log;
        this.slowNanos = slowCallbackMillis * 1_000_000L;
    }

    /** Null unless {@code --debug}. */
    static DebugMode from(ServerOptions options, Log log) {
        return options.flag("--debug") ? new DebugMode(log, options.intValue("--slow-callback-ms")) : null;
    }

    /** The loop's handler, picked once: {@code handler} itself, or under {@code --debug} timed. */
    static Consumer<SelectionKey> handler(DebugMode debug, Consumer<SelectionKey> handler) {
        return debug == null ? handler : debug.timed(handler);
    }

    /** What runs before each line is echoed: nothing, or under {@code --debug} the {@code sleep N} and {@code spin N} lines. */
    static EchoSession.LineHook lineHook(DebugMode debug) {
        return debug == null ? EchoSession.LineHook.NONE : debug::runCommand;
    }

    /** The loop's handler, timed. */
    private Consumer<SelectionKey> timed(Consumer<SelectionKey> handler) {
        return key -> {
            SocketAddress who = owner(key); // now: the handler may close the channel
            long started = System.nanoTime();
            handler.accept(key);
            long took = System.nanoTime() - started;
            if (took > slowNanos) {
                log.warn(who, "held the event loop " + took / 1_000_000 + " ms: no one else was served");
            }
        };
    }

    /** The client a key belongs to, or for the listener its own address. */
    private static SocketAddress owner(SelectionKey key) {
        try {
            return key.channel() instanceof SocketChannel client ? client.getRemoteAddress() : ((NetworkChannel) key.channel()).getLocalAddress();
        } catch (IOException closed) {
            return null; // closed by an earlier handler in this round: no warning can name it
        }
    }

    /** Runs a {@code sleep N} or {@code spin N} line on the loop thread, before it is echoed. */
    private void runCommand(SocketAddress client, ByteBuffer line) {
        DebugCommand command = DebugCommand.parse(line, client, log);
        if (command != null) {
            log.warn(client, "'" + command.text() + "': holding the event loop on purpose (--debug)");
            command.run();
        }
    }
}
