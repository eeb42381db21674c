package dev.echostages.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineFramerTest {
    private final List<String> lines = new ArrayList<>();

    private void feed(LineFramer framer, String text) throws IOException {
        framer.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)), line -> {
            byte[] copy = new byte[line.remaining()];
            line.get(copy);
            lines.add(new String(copy, StandardCharsets.ISO_8859_1));
        });
    }

    @Test
    void manyLinesInOneReadComeOutSeparately() throws IOException {
        feed(new LineFramer(100), "a\nbb\r\nccc\n");
        assertEquals(List.of("a\n", "bb\r\n", "ccc\n"), lines);
    }

    @Test
    void oneLineAcrossManyReadsComesOutOnceWhole() throws IOException {
        LineFramer framer = new LineFramer(100);
        feed(framer, "he");
        feed(framer, "ll");
        assertEquals(4, framer.buffered());
        feed(framer, "o\nwor");
        assertEquals(List.of("hello\n"), lines);
        assertArrayEquals("wor".getBytes(StandardCharsets.US_ASCII), framer.takeUnterminated());
        assertEquals(0, framer.buffered());
    }

    @Test
    void lineOfExactlyTheLimitPassesAndOneMoreByteFails() throws IOException {
        feed(new LineFramer(4), "abc\n");
        assertEquals(List.of("abc\n"), lines);
        assertThrows(LineFramer.LineTooLongException.class, () -> feed(new LineFramer(4), "abcd\n"));
    }

    @Test
    void overlongLineFailsBeforeItsEndArrives() {
        LineFramer framer = new LineFramer(4);
        assertThrows(LineFramer.LineTooLongException.class, () -> feed(framer, "abcd"));
    }

    @Test
    void overlongLineAcrossReadsFailsAfterEarlierLinesWereDelivered() throws IOException {
        LineFramer framer = new LineFramer(4);
        feed(framer, "ok\nab");
        assertThrows(LineFramer.LineTooLongException.class, () -> feed(framer, "cde\n"));
        assertEquals(List.of("ok\n"), lines);
    }
}
