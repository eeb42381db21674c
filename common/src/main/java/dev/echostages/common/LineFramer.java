package dev.echostages.common;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Cuts a TCP byte stream into lines, for one connection.
 *
 * <p>TCP delivers a stream, not messages: one read may hold many lines, half a line, or half of a
 * UTF-8 character. So this works on bytes and splits on {@code 0x0A} only; it never decodes text.
 * A {@code \r} is ordinary data, which is why telnet's {@code \r\n} comes back byte for byte.
 *
 * <p>Bytes of a line not yet finished are kept here between reads (the book's listings forget
 * them). Memory stays bounded: a line may be at most {@code maxLine} bytes, its {@code \n}
 * included; a longer one raises {@link LineTooLongException} as soon as it is known to be too
 * long, without waiting for its end.
 *
 * <p>Memory grows with what the client sent, never with the limit: the buffer for an unfinished
 * line starts at the size of that first piece and doubles only as the line grows (capped at
 * {@code maxLine}). A server started with {@code --max-line 64000000} and a thousand clients that
 * each sent one byte holds a thousand small arrays, not 64 GB.
 */
public final class LineFramer {

    /** Receives each complete line, terminator included. The buffer is valid only during the call. */
    @FunctionalInterface
    public interface LineSink {
        void line(ByteBuffer line) throws IOException;
    }

    /**
     * This client's line is refused: the server replies with {@link #reply()} and ends the
     * connection (see {@link LingeringClose}). Lines before it in the same input were delivered.
     */
    public abstract static sealed class LineRefusedException extends IOException {
        LineRefusedException(String message) {
            super(message);
        }

        /** The one line the client gets before it is disconnected. */
        public abstract byte[] reply();

        /** What the log says when the connection closes. */
        public abstract String outcome();
    }

    /** A line grew past the limit. */
    public static final class LineTooLongException extends LineRefusedException {
        private final int maxLine;

        public LineTooLongException(int maxLine) {
            super("line longer than " + maxLine + " bytes");
            this.maxLine = maxLine;
        }

        @Override
        public byte[] reply() {
            return Protocol.lineTooLongReply(maxLine);
        }

        @Override
        public String outcome() {
            return "disconnected for an overlong line";
        }
    }

    /** All clients together hold more than the {@link MemoryBudget}, and this one holds the most. */
    public static final class OverBudgetException extends LineRefusedException {
        public OverBudgetException(String reason) {
            super(reason);
        }

        @Override
        public byte[] reply() {
            return Protocol.overBudgetReply();
        }

        @Override
        public String outcome() {
            return "closed: it held the most when the server ran short of memory (--max-buffered-mib)";
        }
    }

    /** The smallest buffer for an unfinished line: one telnet line fits without growing. */
    private static final int MIN_PARTIAL = 128;

    private final int maxLine;
    /** Where the unfinished line's array is counted against the server's {@link MemoryBudget}. */
    private final MemoryBudget.Account account;
    /** The unfinished line; allocated on first need and sized by it, so a silent connection costs nothing here. */
    private byte[] partial;
    private int partialLength;

    public LineFramer(int maxLine) {
        this(maxLine, MemoryBudget.unlimited().open(null, () -> { }));
    }

    public LineFramer(int maxLine, MemoryBudget.Account account) {
        if (maxLine < 1) {
            throw new IllegalArgumentException("maxLine must be positive: " + maxLine);
        }
        this.maxLine = maxLine;
        this.account = account;
    }

    public int maxLine() {
        return maxLine;
    }

    /** Bytes of an unfinished line held since the last {@code \n}. */
    public int buffered() {
        return partialLength;
    }

    /**
     * Consumes all of {@code input}, handing every completed line to {@code sink} in order and
     * keeping the unfinished rest.
     */
    public void feed(ByteBuffer input, LineSink sink) throws IOException {
        ByteBuffer view = input.duplicate();
        int start = input.position();
        int end = input.limit();
        input.position(end);
        for (int i = start; i < end; i++) {
            if (input.get(i) != '\n') {
                continue;
            }
            int lineLength = partialLength + (i + 1 - start);
            if (lineLength > maxLine) {
                partialLength = 0;
                throw new LineTooLongException(maxLine);
            }
            if (partialLength == 0) {
                // The common case: the whole line is in this read, hand it over without copying.
                view.limit(i + 1).position(start);
                sink.line(view);
            } else {
                appendToPartial(input, start, i + 1);
                ByteBuffer whole = ByteBuffer.wrap(partial, 0, partialLength);
                partialLength = 0;
                sink.line(whole);
                if (partial.length > 4 * MIN_PARTIAL) {
                    dropPartial(); // a long line's buffer is not kept for a client that now sends short ones
                }
            }
            start = i + 1;
        }
        if (partialLength + (end - start) >= maxLine) {
            // Even the terminator would not fit any more: the line is too long already.
            partialLength = 0;
            throw new LineTooLongException(maxLine);
        }
        appendToPartial(input, start, end);
        if (account.overBudget()) {
            dropPartial();
            throw new OverBudgetException(account.reason());
        }
    }

    /** Convenience for blocking code that reads into arrays. */
    public void feed(byte[] data, int offset, int length, LineSink sink) throws IOException {
        feed(ByteBuffer.wrap(data, offset, length), sink);
    }

    /**
     * Takes the bytes of an unfinished line, for the end of the stream. Every stage echoes this
     * tail when the client closes (nothing the client sent is lost); see the root README.
     */
    public byte[] takeUnterminated() {
        byte[] tail = new byte[partialLength];
        if (partialLength > 0) {
            System.arraycopy(partial, 0, tail, 0, partialLength);
        }
        dropPartial();
        return tail;
    }

    /** The connection is closed: its memory goes back to the {@link MemoryBudget}. */
    public void release() {
        dropPartial();
        account.close();
    }

    /** Forgets the unfinished line and gives its memory back (the client is being closed). */
    public void dropPartial() {
        partialLength = 0;
        if (partial != null) {
            account.resize(-partial.length);
            partial = null;
        }
    }

    private void appendToPartial(ByteBuffer input, int from, int to) {
        int count = to - from;
        if (count == 0) {
            return;
        }
        int needed = partialLength + count;
        if (partial == null || partial.length < needed) {
            int grown = partial == null ? Math.max(MIN_PARTIAL, needed) : Math.max(partial.length * 2, needed);
            byte[] larger = new byte[Math.min(grown, maxLine)];
            account.resize(larger.length - (partial == null ? 0 : partial.length));
            if (partialLength > 0) {
                System.arraycopy(partial, 0, larger, 0, partialLength);
            }
            partial = larger;
        }
        input.get(from, partial, partialLength, count);
        partialLength += count;
    }
}
