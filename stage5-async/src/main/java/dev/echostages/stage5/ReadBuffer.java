package dev.echostages.stage5;

import java.nio.ByteBuffer;

/**
 * The buffer one client's reads land in, sized by what the client sends: small while it is quiet,
 * larger only while its reads keep filling it (Netty's adaptive receive-buffer allocator, simplified).
 *
 * <p>Why not one fixed size: in both stage 5 servers a client waiting for input holds its buffer
 * the whole time (the virtual thread is parked inside {@code read(buffer)}; the channels server's
 * pending read owns its buffer until data comes). A 16 KiB buffer per idle client is most of
 * what an idle client costs. Stage 4 could share one buffer because one thread did every read.
 *
 * <p>A read that fills the buffer suggests more was waiting: the next one gets twice the room, up
 * to {@link #MAX}. Two reads in a row that use under a quarter halve it again, down to
 * {@link #FIRST}. Safe to resize between reads because {@code EchoSession.received} copies what it keeps.
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
