package dev.echostages.common;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Renders raw bytes for a log line without pretending they are text we understand. */
public final class Bytes {
    private Bytes() {
    }

    /**
     * Printable ASCII as is, everything else escaped: {@code "hi\r\n"} becomes {@code hi\r\n}
     * written out, so a class can see the telnet {@code \r} that nc does not send.
     */
    public static String visible(byte[] data, int offset, int length) {
        var text = new StringBuilder(length + 8);
        for (int i = offset; i < offset + length; i++) {
            int b = data[i] & 0xFF;
            switch (b) {
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                case '\\' -> text.append("\\\\");
                default -> {
                    if (b >= 0x20 && b < 0x7F) {
                        text.append((char) b);
                    } else {
                        text.append(String.format("\\x%02x", b));
                    }
                }
            }
        }
        return text.toString();
    }

    public static String visible(byte[] data) {
        return visible(data, 0, data.length);
    }

    /** Writes the remaining bytes of a buffer to a blocking stream, without copying when it can. */
    public static void writeTo(ByteBuffer data, OutputStream out) throws IOException {
        if (data.hasArray()) {
            out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
            data.position(data.limit());
        } else {
            byte[] copy = new byte[data.remaining()];
            data.get(copy);
            out.write(copy);
        }
    }

    /** The remaining bytes of a buffer, for a log line; the buffer's position is not moved. */
    public static String visible(ByteBuffer data) {
        byte[] copy = new byte[data.remaining()];
        data.get(data.position(), copy);
        return visible(copy);
    }
}
