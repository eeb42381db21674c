package dev.echostages.benchmarks.reference;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The bare servers' framing: scan the bytes of a read for {@code \n}, echo everything up to the
 * last one, hold the rest until a later read completes it. No line limit, no budget: a bare
 * server trusts its clients, which is exactly what the stages cannot do.
 */
final class BareLines {
    private byte[] held = new byte[0];

    /** The complete lines that {@code read} ends, what was held first; null when it ends none. Consumes {@code read}. */
    ByteBuffer take(ByteBuffer read) {
        int end = -1;
        for (int i = read.position(); i < read.limit(); i++) {
            if (read.get(i) == '\n') {
                end = i + 1;
            }
        }
        if (end < 0) {
            held = append(held, read);
            return null;
        }
        ByteBuffer lines = ByteBuffer.allocate(held.length + end - read.position());
        lines.put(held).put(read.slice(read.position(), end - read.position())).flip();
        read.position(end);
        held = append(new byte[0], read);
        return lines;
    }

    /** What is left at end of stream: the unterminated tail, echoed as the stages do. */
    ByteBuffer rest() {
        return ByteBuffer.wrap(held);
    }

    private static byte[] append(byte[] to, ByteBuffer more) {
        byte[] joined = Arrays.copyOf(to, to.length + more.remaining());
        more.get(joined, to.length, more.remaining());
        return joined;
    }
}
