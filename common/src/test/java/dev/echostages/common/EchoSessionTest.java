package dev.echostages.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.common.testing.LogRecorder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The connection model of stages 3 to 5, without sockets: what is owed, when to read, when to close. */
class EchoSessionTest {
    private final LogRecorder log = new LogRecorder(false);
    private final EchoSession session = new EchoSession(new InetSocketAddress("127.0.0.1", 9), 100, log.log());

    private static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    private String takeUnsent() {
        ByteBuffer unsent = session.unsent();
        String text = StandardCharsets.US_ASCII.decode(unsent.duplicate()).toString();
        session.sent(unsent.remaining());
        return text;
    }

    @Test
    void aSilentConnectionOwesNothingAndIsIdle() {
        assertFalse(session.hasUnsent());
        assertEquals(0, session.unsent().remaining());
        assertTrue(session.isIdle());
        assertTrue(session.wantsInput());
    }

    @Test
    void completeLinesAreOwedAndTheUnfinishedRestIsKept() throws IOException {
        session.received(bytes("a\nb\r\nhalf"));
        assertEquals("a\nb\r\n", takeUnsent());
        assertEquals(4, session.unfinishedLineBytes());
        assertFalse(session.isIdle(), "a line begun is work in flight");
        session.received(bytes(" done\n"));
        assertEquals("half done\n", takeUnsent());
        assertTrue(session.isIdle());
    }

    @Test
    void aPartialWriteLeavesExactlyTheRestOwed() throws IOException {
        session.received(bytes("hello\n"));
        session.sent(2);
        assertEquals("llo\n", takeUnsent());
        assertFalse(session.hasUnsent());
    }

    @Test
    void readingPausesAboveTheHighMarkAndResumesBelowTheLowMark() throws IOException {
        var wide = new EchoSession(new InetSocketAddress("127.0.0.1", 9), 2000, log.log());
        ByteBuffer line = ByteBuffer.allocate(1000);
        while (line.hasRemaining()) {
            line.put(line.remaining() == 1 ? (byte) '\n' : (byte) 'x');
        }
        while (wide.wantsInput()) {
            wide.received(line.flip());
        }
        assertTrue(wide.unsentBytes() > Protocol.HIGH_WATER_MARK);
        assertTrue(log.contains("not reading: 64 KiB of echo unsent"), log.lines().toString());
        wide.sent(wide.unsentBytes() - Protocol.LOW_WATER_MARK);
        assertFalse(wide.wantsInput(), "still at the low mark: no flapping");
        wide.sent(1);
        assertTrue(wide.wantsInput());
        assertTrue(log.contains("reading again: 31 KiB of echo unsent"), log.lines().toString());
    }

    @Test
    void anOverlongLineQueuesTheLinesBeforeItThenTheErrorThenClosesWithFinAndDraining() throws IOException {
        session.received(bytes("ok\n" + "x".repeat(150)));
        assertFalse(session.wantsInput());
        assertFalse(session.wantsFin(), "the echo and the reply go out before the FIN");
        assertEquals("ok\n" + new String(Protocol.lineTooLongReply(100), StandardCharsets.US_ASCII), takeUnsent());
        assertTrue(session.wantsFin());
        session.finSent();
        assertTrue(session.draining(), "after the FIN, what the client still sends is read and dropped");
        session.received(bytes("more lines\n"));
        assertFalse(session.hasUnsent(), "nothing sent after the overlong line is echoed");
        assertFalse(session.isFinished());
        session.endOfStream();
        assertTrue(session.isFinished());
        assertEquals("disconnected for an overlong line", session.outcome());
    }

    @Test
    void drainingGoesOnHoweverMuchTheClientSendsUntilItClosesItsSide() throws IOException {
        session.closeAfterOwed("closed by server shutdown");
        session.finSent();
        for (int i = 0; i < 16; i++) { // 16 MiB: a client still writing at full speed
            session.received(ByteBuffer.allocate(1024 * 1024));
        }
        assertFalse(session.isFinished(), "a close now would reset, and the echo still on its way would be lost");
        assertTrue(session.draining());
        assertFalse(session.lingerExpired(), "the deadline is 2 s away");
        session.endOfStream();
        assertTrue(session.isFinished());
    }

    @Test
    void overTheBudgetTheClientHoldingTheMostIsClosedWithItsOwnReply() throws IOException {
        var budget = new MemoryBudget(3000);
        var woken = new java.util.concurrent.atomic.AtomicBoolean();
        var small = new EchoSession(new InetSocketAddress("127.0.0.1", 1), 100_000, log.log(), EchoSession.LineHook.NONE,
                budget.open(new InetSocketAddress("127.0.0.1", 1), () -> { }));
        var large = new EchoSession(new InetSocketAddress("127.0.0.1", 2), 100_000, log.log(), EchoSession.LineHook.NONE,
                budget.open(new InetSocketAddress("127.0.0.1", 2), () -> woken.set(true)));
        large.received(bytes("x".repeat(2000)));
        small.received(bytes("y".repeat(500)));
        small.received(bytes("y".repeat(1000))); // the small one tips the sum over: the large one goes
        assertTrue(woken.get(), "the silent client holding the most is woken to be closed");
        assertTrue(small.wantsInput(), "the client that tipped it over is not the one that holds the most");
        assertFalse(large.wantsInput());
        assertEquals(new String(Protocol.overBudgetReply(), StandardCharsets.US_ASCII),
                StandardCharsets.US_ASCII.decode(large.unsent()).toString());
        assertEquals(0, large.unfinishedLineBytes(), "its unfinished line is dropped");
        assertTrue(log.contains("over --max-buffered-mib"), log.lines().toString());
        large.release();
        small.release();
        assertEquals(0, budget.used());
    }

    @Test
    void aFailingHookLeavesTheLinesBeforeItQueued() {
        var failing = new EchoSession(new InetSocketAddress("127.0.0.1", 9), 100, log.log(), (client, line) -> {
            if (line.get(line.position()) == 'b') {
                throw new IllegalStateException("boom");
            }
        }, MemoryBudget.unlimited().open(null, () -> { }));
        assertThrows(IllegalStateException.class, () -> failing.received(bytes("x1\nx2\nboom\nafter\n")));
        assertEquals("x1\nx2\n", StandardCharsets.US_ASCII.decode(failing.unsent()).toString());
    }

    @Test
    void endOfStreamEchoesTheUnterminatedTailThenFinishes() throws IOException {
        session.received(bytes("tail"));
        session.endOfStream();
        assertFalse(session.wantsInput());
        assertFalse(session.isFinished(), "the tail is still owed");
        assertEquals("tail", takeUnsent());
        assertTrue(session.isFinished());
    }
}
