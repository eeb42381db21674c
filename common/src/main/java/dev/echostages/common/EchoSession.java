package dev.echostages.common;

import dev.echostages.common.LineFramer.LineRefusedException;
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
 * <p><b>Ending.</b> A client that shuts its side gets its echo, then the connection closes. When
 * the server ends a client itself ({@link #closeAfterOwed}: an overlong line, a handler failure,
 * the stop, the {@link MemoryBudget}), the session walks the steps of {@link LingeringClose}: no
 * more input, the echo owed and the reply, then {@link #wantsFin()}, then {@link #draining()}
 * reads that are dropped, until {@link #isFinished()} or {@link #lingerExpired()}.
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
    private final MemoryBudget.Account account;
    private final LineFramer framer;
    private final LineHook hook;
    private final LineFramer.LineSink queueLine = this::queueLine;

    /** Unsent echo is {@code outbox[start, end)}; the array is null while nothing is owed. */
    private byte[] outbox;
    private int start;
    private int end;
    private boolean readingPaused;
    /** The client shut its side: once the echo is out, the connection is done. */
    private boolean clientEnded;
    /** Set by {@link #closeAfterLine} while the client is in the middle of a line. */
    private String closeAtLineEnd;
    /** Why the server is ending this client ({@link #closeAfterOwed}); null while it is not. */
    private String closing;
    private long closingSince;
    private boolean finSent;
    /** After our FIN, the client closed its side too: close() now sends no reset. */
    private boolean drainOver;

    public EchoSession(SocketAddress client, int maxLine, Log log) {
        this(client, maxLine, log, LineHook.NONE, MemoryBudget.unlimited().open(client, () -> { }));
    }

    public EchoSession(SocketAddress client, int maxLine, Log log, LineHook hook, MemoryBudget.Account account) {
        this.client = client;
        this.log = log;
        this.account = account;
        this.framer = new LineFramer(maxLine, account);
        this.hook = hook;
    }

    public SocketAddress client() {
        return client;
    }

    /**
     * Bytes the client sent: every line they complete is queued for echo, the rest is kept. An
     * overlong line queues the error reply after the lines before it and ends the input. An
     * exception from the {@link LineHook} goes up to the stage; the lines before the failing one
     * are queued already, so the stage can {@link #closeAfterOwed} and still send them. Input that
     * arrives after the server decided to close is dropped (see {@link LingeringClose}).
     */
    public void received(ByteBuffer input) throws IOException {
        if (closing != null) {
            input.position(input.limit());
            return;
        }
        int end = input.limit();
        if (closeAtLineEnd != null) {
            int lineEnd = indexOfNewline(input);
            if (lineEnd >= 0) {
                input.limit(lineEnd + 1); // the rest was sent after the close began: it is dropped
            }
        }
        try {
            framer.feed(input, queueLine);
        } catch (LineRefusedException refused) {
            log.warn(client, refused.getMessage() + ": sending an error and disconnecting");
            closeWithReply(refused.reply(), refused.outcome());
        }
        if (closeAtLineEnd != null && framer.buffered() == 0) {
            closeAfterOwed(closeAtLineEnd);
        }
        input.limit(end).position(end);
    }

    private static int indexOfNewline(ByteBuffer input) {
        for (int i = input.position(); i < input.limit(); i++) {
            if (input.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * Like {@link #closeAfterOwed}, but a client in the middle of a line may finish that line
     * first (its {@code \n} and nothing after it is taken): stage 5's stop, which promises the
     * echo of a line that was on its way when the stop began.
     */
    public void closeAfterLine(String outcome) {
        if (framer.buffered() == 0) {
            closeAfterOwed(outcome);
        } else if (closeAtLineEnd == null) {
            closeAtLineEnd = outcome;
        }
    }

    /** The client shut its side (a read returned -1): its unfinished line is still its data, so it is echoed too. */
    public void endOfStream() {
        if (closing != null) {
            drainOver = true;
            return;
        }
        byte[] tail = framer.takeUnterminated();
        if (tail.length > 0) {
            log.event(client, "end of stream, echoing unterminated tail: " + Bytes.visible(tail));
            queue(ByteBuffer.wrap(tail));
        } else {
            log.event(client, "end of stream");
        }
        clientEnded = true;
    }

    /**
     * The server ends this client (see {@link LingeringClose}): no more input is taken, its
     * unfinished line is dropped, what is queued still goes out. {@code outcome} is what the log
     * will say when it is closed. A second call keeps the first reason.
     */
    public void closeAfterOwed(String outcome) {
        if (closing == null && !clientEnded) {
            closing = outcome;
            closingSince = System.nanoTime();
            framer.dropPartial();
        }
    }

    /** {@link #closeAfterOwed}, with one line of reply after the echo owed (an error, a refusal). */
    public void closeWithReply(byte[] reply, String outcome) {
        closeAfterOwed(outcome);
        queue(ByteBuffer.wrap(reply));
    }

    /**
     * The budget chose this client while it was not sending (see {@link MemoryBudget}; a client
     * that is sending hears it from its {@link LineFramer}): its unfinished line is dropped at once,
     * its own reply is queued, then the lingering close. Called by {@link #wantsInput()}, and by a
     * stage whose budget wakes this client from another thread (under the client's lock).
     */
    public void closeIfOverBudget() {
        if (account.overBudget() && closing == null && !clientEnded) {
            var refused = new LineFramer.OverBudgetException(account.reason());
            log.warn(client, refused.getMessage() + ": sending an error and disconnecting");
            closeWithReply(refused.reply(), refused.outcome());
        }
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
            account.resize(larger.length - (outbox == null ? 0 : outbox.length));
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
            account.resize(-outbox.length);
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

    /** Whether the stage should read from this client now for its lines (not ended, not paused by backpressure). */
    public boolean wantsInput() {
        closeIfOverBudget();
        return closing == null && !clientEnded && !readingPaused;
    }

    /** The server is ending this client ({@link #closeAfterOwed}). */
    public boolean closing() {
        return closing != null;
    }

    /** Everything owed is out: time for the stage to send FIN ({@code shutdownOutput()}) and call {@link #finSent()}. */
    public boolean wantsFin() {
        return closing != null && !finSent && !hasUnsent();
    }

    public void finSent() {
        finSent = true;
    }

    /**
     * After our FIN: the stage reads, and {@link #received} drops what it reads, until the client
     * closes its side ({@link #endOfStream}) or {@link #lingerExpired()}.
     */
    public boolean draining() {
        return finSent && !drainOver;
    }

    /** Closing took longer than {@link LingeringClose#MAX_MILLIS}: close now, whatever is left. */
    public boolean lingerExpired() {
        return closing != null && lingerMillisLeft() <= 0;
    }

    /** While closing: how long the lingering close may still take, for a blocking read's timeout. */
    public long lingerMillisLeft() {
        return LingeringClose.MAX_MILLIS - (System.nanoTime() - closingSince) / 1_000_000;
    }

    /** The connection is done: the client ended and got its echo, or the lingering close is over. */
    public boolean isFinished() {
        return closing != null ? finSent && drainOver : clientEnded && !hasUnsent();
    }

    /** What the log says when the connection closes. */
    public String outcome() {
        return closing != null ? closing : "disconnected";
    }

    /**
     * Nothing in flight: no line begun and no echo owed. At a stop such a client is closed at once;
     * only the others get the grace period.
     */
    public boolean isIdle() {
        return framer.buffered() == 0 && !hasUnsent();
    }

    /** The connection is closed: its memory goes back to the budget. */
    public void release() {
        outbox = null;
        framer.release();
    }
}
