package dev.echostages.stage5;

import java.nio.ByteBuffer;

/**
 * The buffer one client's reads land in, sized by what the client sends (Netty's adaptive
 * receive-buffer allocator, simplified). A client waiting for input holds its buffer the whole time
 * (a virtual thread parked inside {@code read(buffer)}, a channel's pending read), so a fixed 16 KiB
 * would be most of what an idle client costs; stage 4 could share one buffer because one thread did
 * every read. A read that fills the buffer suggests more was waiting: the next gets twice the room, up
 * to {@link #MAX}. Two reads in a row that use under a quarter halve it, down to {@link #FIRST}.
 * Resizing between reads is safe: {@code EchoSession.received} copies what it keeps.
 */
final class ReadBuffer {
    static final int FIRST = 512;
    static final int MAX = 16 * 1024;

    private ByteBuffer buffer = ByteBuffer.allocate(FIRST);
    private int smallReads;

    /** Empty, ready for the next read. */
    ByteBuffer forRead() {
        return buffer.clear();
    }

    int capacity() {
        return buffer.capacity();
    }

    /** The bytes a read of {@code count} bytes put in the buffer {@link #forRead()} gave out (count >= 0). */
    ByteBuffer filled(int count) {
        return buffer.limit(count).position(0);
    }

    /** After a read of {@code count} bytes has been handled: size the buffer for the next one. */
    void adapt(int count) {
        int size = buffer.capacity();
        if (count == size && size < MAX) {
            buffer = ByteBuffer.allocate(size * 2);
            smallReads = 0;
        } else if (count < size / 4 && size > FIRST) {
            if (++smallReads == 2) {
                buffer = ByteBuffer.allocate(size / 2);
                smallReads = 0;
            }
        } else {
            smallReads = 0;
        }
    }
}
