package dev.echostages.stage5;

import dev.echostages.common.Addresses;
import dev.echostages.common.EchoSession;
import java.nio.ByteBuffer;

/**
 * The book's magic failure: a client that sends exactly {@code boom} (with either line ending)
 * makes its handler throw, a bug deep inside one client's handling, on purpose. Both servers run
 * it as the {@link EchoSession.LineHook}, so the lines before it in the same read are queued
 * already when it throws: they are echoed, then that client alone is closed.
 */
final class Boom {
    private Boom() {
    }

    /** The hook both servers give their sessions: debug commands first (with {@code --debug}), then boom. */
    static EchoSession.LineHook hook(DebugMode debug) {
        EchoSession.LineHook boom = (client, line) -> {
            if (isBoom(line)) {
                throw new IllegalStateException("boom requested by client " + Addresses.of(client));
            }
        };
        return debug == null ? boom : debug.commands(boom);
    }

    /** Exactly {@code boom\n} or {@code boom\r\n}: any other line with "boom" in it is echoed. */
    static boolean isBoom(ByteBuffer line) {
        int length = line.remaining();
        int start = line.position();
        int textLength = length >= 2 && line.get(start + length - 2) == '\r' ? length - 2 : length - 1;
        return textLength == 4 && line.get(start) == 'b' && line.get(start + 1) == 'o'
                && line.get(start + 2) == 'o' && line.get(start + 3) == 'm';
    }
}
