package dev.echostages.common;

import java.nio.charset.StandardCharsets;

/**
 * The numbers and replies of the echo contract (see the root README, "The echo contract"), kept
 * in one place so every stage and every test agrees on them.
 */
public final class Protocol {
    private Protocol() {
    }

    /** Longest accepted line, terminator included. Netty's telnet example uses the same 8 KiB. */
    public static final int DEFAULT_MAX_LINE = 8 * 1024;

    /**
     * Output bound per connection (stages 3 to 5). Above the high mark a server stops reading from
     * that client; below the low mark it reads again. The gap between them keeps the server from
     * flapping on every byte. Netty's default write-buffer watermarks are the same 32/64 KiB.
     */
    public static final int HIGH_WATER_MARK = 64 * 1024;
    public static final int LOW_WATER_MARK = 32 * 1024;

    /** The one line a client gets before it is disconnected for an overlong line. */
    public static byte[] lineTooLongReply(int maxLine) {
        return ("ERROR line longer than " + maxLine + " bytes, closing connection\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The one line the client holding the most memory gets when all clients together hold too much. */
    public static byte[] overBudgetReply() {
        return "ERROR server short of memory and this connection holds the most, closing connection\n"
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The one line a client gets when the server has no room for another connection. */
    public static byte[] serverFullReply(int maxClients) {
        return ("ERROR server full (" + Clients.count(maxClients) + "), try again later\n")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
