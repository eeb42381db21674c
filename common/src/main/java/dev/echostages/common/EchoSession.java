package dev.echostages.common;

import dev.echostages.common.LineFramer.LineTooLongException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * One client's side of the echo, with no I/O in it: what it sent that is not a whole line yet
 * (its {@link LineFramer}) and the echo it is owed that the kernel has not taken yet (its outbox).
 * Stages 3, 4 and 5 keep one of these per connection and differ only in how they read and write;
 * every {@code read()} and {@code write()} stays in the stage's own file, where the lesson is:
 * <pre>{@code
 *   int count = channel.read(readBuffer);        // the stage's I/O model
 *   session.received(readBuffer.flip());         // every complete line is queued for echo
 *   session.sent(channel.write(session.unsent())); // whatever the kernel took
 * }</pre>
 *
 * <p><b>Backpressure.</b> A client that sends but never reads would have us queue its echo
 * forever. So {@link #wantsInput()} turns false once more than {@link Protocol#HIGH_WATER_MARK}
 * bytes are unsent and true again below {@link Protocol#LOW_WATER_MARK}: the stage stops reading,
 * the kernel's buffers fill, TCP's window closes and the client's own writes stall. The gap
 * between the marks keeps the server from pausing and resuming on every byte (Netty's write-buffer
 * watermarks are the same 32/64 KiB).
 *
 * <p><b>Memory grows with data.</b> The outbox holds no array while nothing is owed, and its array
 * grows with what is owed: an idle connection costs nothing here, a busy one at most about the
 * high mark plus one read.
 *
 * <p>The outbox never moves bytes it has handed out in {@link #unsent()}: when it needs room it
 * copies into a new array. So an asynchronous write may still be reading the old view while more
 * echo is queued (stage 5's channels server relies on this).
 */
public final class EchoSession {

    /** Called with each complete line before it is queued; may throw to fail this client (stage 5's {@code boom}). */
    @FunctionalInterface
    public interface LineHook {
        void beforeEcho(SocketAddress client, ByteBuffer line) throws IOException;

        LineHook NONE = (client, line) -> { };
    }

    /** Longer lines are logged shortened: a projector shows about this much. */
    private static final int LOGGED_LINE_BYTES = 80;
    /** The smallest outbox array: a few telnet lines fit without growing. */
    private static final int MIN_OUTBOX = 256;

    private final SocketAddress client;
    private final Log log;
    private final LineFramer framer;
    private final LineHook hook;
    private final LineFramer.LineSink queueLine = this::queueLine;

    /** Unsent echo is {@code outbox[start, end)}; the array is null while nothing is owed. */
    private byte[] outbox;
    private int start;
    private int end;
    private boolean readingPaused;
    private boolean inputFinished;
    private boolean overlong;

    public EchoSession(SocketAddress client, int maxLine, Log log) {
        this(client, maxLine, log, LineHook.NONE);
    }

    public EchoSession(SocketAddress client, int maxLine, Log log, LineHook hook) {
        this.client = client;
        this.log = log;
        this.framer = new LineFramer(maxLine);
        this.hook = hook;
    }

    public SocketAddress client() {
        return client;
    }

    /**
     * Bytes the client sent: every line they complete is queued for echo, the rest is kept. An
     * overlong line queues the error reply after the lines before it and ends the input. An
     * exception from the {@link LineHook} goes up to the stage; the lines before the failing one
     * are queued already, so the stage can still send them before it closes the client.
     */
    public void received(ByteBuffer input) throws IOException {
        try {
            framer.feed(input, queueLine);
        } catch (LineTooLongException tooLong) {
            log.warn(client, tooLong.getMessage() + ": sending an error and disconnecting");
            queue(ByteBuffer.wrap(Protocol.lineTooLongReply(framer.maxLine())));
            inputFinished = true;
            overlong = true;
        }
    }

    /** The client shut its side (a read returned -1): its unfinished line is still its data, so it is echoed too. */
    public void endOfStream() {
        byte[] tail = framer.takeUnterminated();
        if (tail.length > 0) {
            log.event(client, "end of stream, echoing unterminated tail: " + Bytes.visible(tail));
            queue(ByteBuffer.wrap(tail));
        } else {
            log.event(client, "end of stream");
        }
        inputFinished = true;
    }

    /** No more reading from this client (its handler failed, say): what is queued still goes out. */
    public void finishInput() {
        inputFinished = true;
    }

    private void queueLine(ByteBuffer line) throws IOException {
        hook.beforeEcho(client, line);
        if (!log.quiet()) { // build no log text when nobody will see it (benchmarks run --quiet)
            log.event(client, "echoing: " + loggable(line));
        }
        queue(line);
    }

    /** A line as the log shows it: whole if short, otherwise its start and its length. */
    private static String loggable(ByteBuffer line) {
        if (line.remaining() <= LOGGED_LINE_BYTES) {
            return Bytes.visible(line);
        }
        return Bytes.visible(line.slice(line.position(), LOGGED_LINE_BYTES / 2)) + "... (" + line.remaining() + " bytes)";
    }

    private void queue(ByteBuffer data) {
        int count = data.remaining();
        if (outbox == null || outbox.length - end < count) {
            int owed = end - start;
            byte[] larger = new byte[Math.max(MIN_OUTBOX, Math.max(2 * owed, owed + count))];
            if (owed > 0) {
                System.arraycopy(outbox, start, larger, 0, owed);
            }
            outbox = larger;
            start = 0;
            end = owed;
        }
        data.get(outbox, end, count);
        end += count;
        if (!readingPaused && end - start > Protocol.HIGH_WATER_MARK) {
            readingPaused = true;
            log.event(client, "not reading: " + (end - start) / 1024 + " KiB of echo unsent (the client is not reading)");
        }
    }

    /** The echo owed, oldest byte first, as a buffer to write; empty when nothing is owed. */
    public ByteBuffer unsent() {
        return outbox == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(outbox, start, end - start);
    }

    /** The kernel took {@code count} bytes of {@link #unsent()}. */
    public void sent(int count) {
        start += count;
        if (start == end) {
            outbox = null; // a connection that owes nothing holds no output array
            start = 0;
            end = 0;
        }
        if (readingPaused && end - start < Protocol.LOW_WATER_MARK) {
            readingPaused = false;
            log.event(client, "reading again: " + (end - start) / 1024 + " KiB of echo unsent");
        }
    }

    public boolean hasUnsent() {
        return end > start;
    }

    public int unsentBytes() {
        return end - start;
    }

    /** Bytes of a line begun but not finished. */
    public int unfinishedLineBytes() {
        return framer.buffered();
    }

    /** Whether the stage should read from this client now (not ended, not paused by backpressure). */
    public boolean wantsInput() {
        return !inputFinished && !readingPaused;
    }

    /** Input has ended and everything owed was sent: time to close. */
    public boolean isFinished() {
        return inputFinished && !hasUnsent();
    }

    /** Input ended with an overlong line: after the error reply, send FIN before closing. */
    public boolean endedWithOverlongLine() {
        return overlong;
    }

    /**
     * Nothing in flight: no line begun and no echo owed. At a stop such a client is closed at once;
     * only the others get the grace period.
     */
    public boolean isIdle() {
        return framer.buffered() == 0 && !hasUnsent();
    }
}
