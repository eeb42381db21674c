package dev.echostages.tools.checker;

import static dev.echostages.tools.checker.CheckContext.quoted;

import dev.echostages.tools.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Stage 1's checks: one client, and the bytes on the wire. */
final class WireChecks {
    private WireChecks() {
    }

    /** One thing a client sends (in one or more writes) and expects back byte for byte. */
    private record Exchange(String what, List<byte[]> writes) {
        byte[] expected() {
            var all = new ByteArrayOutputStream();
            writes.forEach(all::writeBytes);
            return all.toByteArray();
        }
    }

    private static final String MEANING = "An echo returns every byte as sent: a server works on bytes and"
            + " splits on \\n only (stage 1's lesson). Decoding to String, as BufferedReader and PrintWriter"
            + " do, rewrites line endings and mangles bytes that are not UTF-8.";

    /**
     * 1.1: one client at a time sends an LF line, a CRLF line, a line written in three pieces, 100
     * lines in one write, a line of bytes that are not UTF-8 (every byte value but \n); each comes
     * back exactly as sent, and nothing else does.
     */
    static Outcome linesComeBackByteExact(CheckContext context) throws IOException, InterruptedException {
        var hundred = new StringBuilder();
        for (int i = 1; i <= 100; i++) {
            hundred.append("line ").append(i).append('\n');
        }
        var notUtf8 = new ByteArrayOutputStream();
        for (int value = 0; value < 256; value++) {
            if (value != '\n') {
                notUtf8.write(value);
            }
        }
        notUtf8.write('\n');
        List<Exchange> exchanges = List.of(
                new Exchange("an LF line", List.of(ascii("hello\n"))),
                new Exchange("a CRLF line", List.of(ascii("crlf line\r\n"))),
                new Exchange("a line in three writes", List.of(ascii("thr"), ascii("ee wri"), ascii("tes\n"))),
                new Exchange("100 lines in one write", List.of(ascii(hundred.toString()))),
                new Exchange("a line of the 255 byte values other than \\n (not UTF-8)", List.of(notUtf8.toByteArray())));
        Duration limit = context.limit(Duration.ofSeconds(2));
        Duration pause = context.limit(Duration.ofMillis(150));
        // A connection for each exchange, one after the other: stage 2's loop, with one client
        // alone, waits in accept() after that client's first line, a flaw that check 2.1 is about.
        for (Exchange exchange : exchanges) {
            try (TestClient client = context.connect()) {
                List<byte[]> writes = exchange.writes();
                for (int i = 0; i < writes.size(); i++) {
                    client.send(writes.get(i));
                    if (i < writes.size() - 1 && !client.receivesNothingWithin(pause)) {
                        Received early = Received.read(client.input(), client.input().available(), pause);
                        return Outcome.fail("sent " + quoted(writes.get(i)) + ", write " + (i + 1) + " of " + writes.size()
                                + " of one line, and got " + quoted(early.bytes()) + " back before the line was complete:"
                                + " the server echoes each read, not each line. TCP is a byte stream: a line can come in many"
                                + " reads and many lines in one; stage 1 collects bytes until \\n.");
                    }
                }
                byte[] expected = exchange.expected();
                Received got = Received.read(client.input(), expected.length, limit);
                if (!Arrays.equals(got.bytes(), expected)) {
                    String ending = got.end().inWords(limit);
                    return Outcome.fail("sent " + exchange.what() + " " + quoted(expected) + ", got back " + quoted(got.bytes())
                            + (ending.isEmpty() ? "" : ", " + ending) + ". " + MEANING);
                }
                if (!client.receivesNothingWithin(pause)) {
                    Received extra = Received.read(client.input(), client.input().available(), pause);
                    return Outcome.fail("sent " + exchange.what() + " and got it back, and then " + quoted(extra.bytes())
                            + " more, unasked. " + MEANING);
                }
            }
        }
        return Outcome.pass("LF, CRLF, a line in three writes, 100 lines in one write and 255 non-UTF-8 byte values:"
                + " each came back byte-exact, once");
    }

    /**
     * 1.2: a line, an unterminated tail, then a half-close (the client's FIN): the line comes back,
     * the tail comes back or not (either, as the server documents), and the server closes.
     */
    static Outcome halfCloseEndsTheConnection(CheckContext context) throws IOException {
        byte[] line = ascii("done\n");
        byte[] tail = ascii("partial tail");
        Duration limit = context.limit(Duration.ofSeconds(2));
        try (TestClient client = context.connect()) {
            client.send(concat(line, tail));
            client.shutdownOutput();
            Received got = Received.read(client.input(), -1, limit);
            boolean tailDropped = Arrays.equals(got.bytes(), line);
            boolean tailEchoed = Arrays.equals(got.bytes(), concat(line, tail));
            if (got.end() == Received.End.TIMEOUT) {
                return Outcome.fail("sent " + quoted(concat(line, tail)) + " and a half-close (FIN), got back "
                        + quoted(got.bytes()) + ", and the connection stayed open for " + CheckContext.seconds(limit)
                        + ". After a client's FIN a server sends the echoes it owes and closes (stage 1);"
                        + " one that waits for more from a finished client keeps its connection, and a file descriptor, forever.");
            }
            if (!tailDropped && !tailEchoed) {
                return Outcome.fail("sent " + quoted(concat(line, tail)) + " and a half-close, got back " + quoted(got.bytes())
                        + ", " + got.end().inWords(limit) + ". Expected 'done\\n', then the unterminated tail"
                        + " 'partial tail' as it was, or nothing of it (echo it or drop it, as the server documents).");
            }
            return Outcome.pass("the line came back, the tail was " + (tailEchoed ? "echoed" : "dropped")
                    + ", and the server closed the connection");
        }
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
