package dev.echostages.tools.checker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * What a client received, and how the reading ended. A failure message needs both: "got back
 * 'ab' and then nothing for 2 s" says something else than "got back 'ab', then the server closed".
 */
record Received(byte[] bytes, End end) {

    enum End {
        /** As many bytes as asked for arrived. */
        COMPLETE,
        /** Nothing more arrived within the time limit. */
        TIMEOUT,
        /** The server closed the connection (FIN). */
        EOF,
        /** The connection was reset. */
        RESET;

        String inWords(Duration limit) {
            return switch (this) {
                case COMPLETE -> "";
                case TIMEOUT -> "then nothing more within " + CheckContext.seconds(limit);
                case EOF -> "then the server closed the connection";
                case RESET -> "then the connection was reset";
            };
        }
    }

    /**
     * Reads until {@code wanted} bytes have arrived ({@code -1}: until the end of the stream), the
     * stream ends, or nothing arrives for {@code limit}. The input's read timeout is {@code limit}.
     */
    static Received read(InputStream in, int wanted, Duration limit) throws IOException {
        var bytes = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            while (wanted < 0 || bytes.size() < wanted) {
                if (System.nanoTime() > deadline) {
                    return new Received(bytes.toByteArray(), End.TIMEOUT);
                }
                int n = in.read(chunk, 0, wanted < 0 ? chunk.length : Math.min(chunk.length, wanted - bytes.size()));
                if (n < 0) {
                    return new Received(bytes.toByteArray(), End.EOF);
                }
                bytes.write(chunk, 0, n);
            }
            return new Received(bytes.toByteArray(), End.COMPLETE);
        } catch (SocketTimeoutException silent) {
            return new Received(bytes.toByteArray(), End.TIMEOUT);
        } catch (SocketException reset) {
            return new Received(bytes.toByteArray(), End.RESET);
        }
    }
}
