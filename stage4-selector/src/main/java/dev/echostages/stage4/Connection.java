package dev.echostages.stage4;

import dev.echostages.common.LineFramer;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * What the loop knows about one client, attached to its {@code SelectionKey}: the input side (its
 * {@link LineFramer} keeps an unfinished line between reads) and the output side (the echo the
 * kernel has not taken yet). Only the loop thread touches it, so nothing here is synchronized.
 */
final class Connection {
    final SocketChannel channel;
    /** Kept from accept time: every log line names the client, even after the socket is gone. */
    final SocketAddress address;
    final LineFramer framer;
    /** Hands each complete line to the echo batch; made once per connection, not once per read. */
    LineFramer.LineSink toEchoBatch;
    /** Echo the kernel has not taken yet, in fill mode; null while there is none. */
    private ByteBuffer pending;
    /** Reading stopped because too much echo is pending (above the high-water mark). */
    boolean readPaused;
    /** No more reading ever (end of stream, or an overlong line): close once the echo is out. */
    boolean closeWhenFlushed;
    /** Closed for an overlong line: send FIN right after the error line. */
    boolean overlong;

    Connection(SocketChannel channel, SocketAddress address, LineFramer framer) {
        this.channel = channel;
        this.address = address;
        this.framer = framer;
    }

    int pendingBytes() {
        return pending == null ? 0 : pending.position();
    }

    /** Copies what the kernel refused; bounded because reads stop above the high-water mark. */
    void keep(ByteBuffer data) {
        if (pending == null) {
            pending = ByteBuffer.allocate(Math.max(16 * 1024, data.remaining()));
        } else if (pending.remaining() < data.remaining()) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + data.remaining()));
            larger.put(pending.flip());
            pending = larger;
        }
        pending.put(data);
    }

    void writePending() throws IOException {
        if (pending == null) {
            return;
        }
        pending.flip();
        channel.write(pending);
        pending.compact();
        if (pending.position() == 0) {
            pending = null; // a connection with nothing to send holds no output buffer
        }
    }
}
