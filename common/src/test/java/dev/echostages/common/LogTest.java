package dev.echostages.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The log fits a projector: short client addresses, and stack traces of about five lines by default. */
class LogTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 53422);

    /** A failure thrown deep inside the JDK's own frames, as a handler's failure is. */
    private static Throwable failureInsideTheJdk() {
        try {
            CompletableFuture.supplyAsync(() -> {
                throw new IllegalStateException("boom", new IOException("disk on fire"));
            }).join();
        } catch (CompletionException failed) {
            return failed;
        }
        throw new AssertionError("join did not fail");
    }

    private static String logged(Log.Traces traces, Throwable failure) {
        List<String> lines = new ArrayList<>();
        new Log(lines::add, lines::add, false, traces).error(CLIENT, "handler failed", failure);
        assertEquals(1, lines.size(), "one entry per event");
        return lines.getFirst();
    }

    @Test
    void clientAddressesAreShownAsTyped() {
        List<String> lines = new ArrayList<>();
        new Log(lines::add, lines::add, false).event(CLIENT, "connected");
        assertTrue(lines.getFirst().endsWith(" 127.0.0.1:53422 connected"), lines.getFirst());
    }

    @Test
    void aShortTraceShowsTheExceptionTheProjectsFramesAndCountsTheRest() {
        String error = logged(Log.Traces.SHORT_UNTIL_DEBUG, failureInsideTheJdk());
        List<String> lines = error.lines().toList();
        assertTrue(lines.size() <= 7, error);
        assertTrue(lines.get(0).endsWith("ERROR 127.0.0.1:53422 handler failed"), error);
        assertEquals("java.util.concurrent.CompletionException: java.lang.IllegalStateException: boom", lines.get(1));
        assertEquals("Caused by: java.lang.IllegalStateException: boom", lines.get(2));
        assertTrue(lines.get(3).startsWith("\tat dev.echostages.common.LogTest."), error);
        assertEquals("Caused by: java.io.IOException: disk on fire", lines.get(lines.size() - 2));
        assertTrue(lines.getLast().matches("\t\\.\\.\\. \\d+ more frames \\(--debug prints them\\)"), error);
    }

    @Test
    void withoutADebugOptionTheShortTraceOffersNone() {
        String error = logged(Log.Traces.SHORT, failureInsideTheJdk());
        assertTrue(error.lines().toList().getLast().matches("\t\\.\\.\\. \\d+ more frames"), error);
    }

    @Test
    void theFullTraceHasEveryFrameAndCause() {
        Throwable failure = failureInsideTheJdk();
        String error = logged(Log.Traces.FULL, failure);
        assertTrue(error.contains("Caused by: java.lang.IllegalStateException: boom"), error);
        assertTrue(error.contains("Caused by: java.io.IOException: disk on fire"), error);
        assertTrue(error.lines().count() > 7, error);
    }
}
