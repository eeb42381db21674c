package dev.echostages.common;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The lines that debug mode ({@code --debug}, stages 4 and 5) honours, so a class can watch what a
 * handler that takes its time does to everybody else:
 * <ul>
 *   <li>{@code sleep N} blocks the handler's thread in {@link Thread#sleep} for N seconds: the
 *       {@code time.sleep()} inside a coroutine that asyncio's debug mode exists to catch. On
 *       stage 4's loop thread it freezes every client; on a virtual thread it parks, and the
 *       carrier serves the others meanwhile.</li>
 *   <li>{@code spin N} keeps the thread busy on the CPU for N seconds without blocking: a long
 *       computation. Nothing can take the thread away from it, a virtual thread's carrier
 *       included.</li>
 * </ul>
 * N is in seconds, decimals allowed, at most {@link #MAX_SECONDS} so a typo cannot freeze a demo
 * for an hour. Any other line, one that merely starts with "sleep" included, is echoed as usual.
 */
public record DebugCommand(Kind kind, double seconds, String text) {

    public enum Kind { SLEEP, SPIN }

    public static final double MAX_SECONDS = 60;

    /** The command in {@code line}, or null when it is an ordinary line (the buffer is not moved). */
    public static DebugCommand parse(ByteBuffer line, SocketAddress client, Log log) {
        if (line.remaining() < 7 || line.remaining() > 32) {
            return null;
        }
        byte first = line.get(line.position());
        if (first != 's') {
            return null;
        }
        String text = StandardCharsets.US_ASCII.decode(line.duplicate()).toString().strip();
        Kind kind = text.startsWith("sleep ") ? Kind.SLEEP : text.startsWith("spin ") ? Kind.SPIN : null;
        if (kind == null) {
            return null;
        }
        double seconds;
        try {
            seconds = Double.parseDouble(text.substring(text.indexOf(' ') + 1));
        } catch (NumberFormatException notANumber) {
            return null; // an ordinary line that happens to start with "sleep": echoed like any other
        }
        if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
            log.warn(client, "ignoring '" + text + "': " + kind.name().toLowerCase(Locale.ROOT)
                    + " takes more than 0 and at most " + (int) MAX_SECONDS + " seconds");
            return null;
        }
        return new DebugCommand(kind, seconds, text);
    }

    /** Does it, on the calling thread. An interrupt ends a sleep early and stays set for the caller. */
    public void run() {
        long nanos = (long) (seconds * 1e9);
        if (kind == Kind.SLEEP) {
            try {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            } catch (InterruptedException interrupted) {
                // Nobody interrupts a server thread but to end it: keep the flag for the loop to see.
                Thread.currentThread().interrupt();
            }
            return;
        }
        long until = System.nanoTime() + nanos;
        long spins = 0;
        while (System.nanoTime() - until < 0) {
            spins++; // on the CPU the whole time, never parking: Thread.onSpinWait() would be a hint, not a yield
        }
        if (spins < 0) {
            throw new AssertionError("unreachable; keeps the loop from being optimised away");
        }
    }
}
