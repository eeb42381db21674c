package dev.echostages.tools.demo;

import dev.echostages.common.Addresses;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The two-client scenario every stage is put through: A connects and stays silent, B connects and
 * sends a line. When does B get its echo?
 *
 * <p>The script is fixed; only the server changes, and with it the moment B's echo lands:
 * <ol>
 *   <li>A connects; a moment later B connects and sends {@code "hello from B\n"}.</li>
 *   <li>A stays silent for {@code silence}. A server that serves clients independently (stages
 *       3 to 5) echoes B now.</li>
 *   <li>A sends a line, and later a second one (stage 2 needs both; see its README).</li>
 *   <li>A leaves (stage 1 serves B only now), then B leaves.</li>
 * </ol>
 * After each of A's steps the script waits for A's echo (bounded), then up to one {@code beat}
 * more for B's, if B has none yet. Every wait is bounded, so the scenario ends with a verdict even
 * against a server that never answers (about {@code silence} + 8 s at worst).
 *
 * <p>Each client has a reader thread that timestamps what arrives, so echoes are recorded when
 * they land, not when the script gets round to looking. {@link #serverSaid} adds the server's own
 * log lines (the demo forwards them from the server process) to the same timeline, at the time the
 * server stamped on them: they come through a pipe, a moment after the fact. That is also why the
 * timeline is printed a tenth of a second behind: so that it can be printed in order.
 */
public final class TwoClientScenario {

    public enum Kind { CONNECT, SEND, ECHO, CLOSED_BY_SERVER, LEAVE, SERVER_LOG, NOTE }

    /** One moment of the timeline; {@code at} is measured from the start of the scenario. */
    public record Event(Duration at, String who, Kind kind, String text) {
        /**
         * Time order, to the millisecond the server's log stamps have; within one millisecond,
         * cause before effect: a client acts, the server logs, a client receives. (The script
         * pauses before it acts on something it received, so that rule holds.)
         */
        static final Comparator<Event> ORDER = Comparator
                .comparing((Event e) -> e.at().truncatedTo(ChronoUnit.MILLIS))
                .thenComparing(e -> switch (e.kind()) {
                    case CONNECT, SEND, LEAVE, NOTE -> 0;
                    case SERVER_LOG -> 1;
                    case ECHO, CLOSED_BY_SERVER -> 2;
                })
                .thenComparing(Event::at);
    }

    /** Which step of the script B's echo came after: the lesson in one word. */
    public enum BServed { WHILE_A_WAS_SILENT, AFTER_A_FIRST_LINE, AFTER_A_SECOND_LINE, AFTER_A_LEFT, NEVER }

    /** The whole run: every event in order, when B was served and how long it waited. */
    public record Result(List<Event> events, BServed bServed, Optional<Duration> bWaited, String verdict) {

        /** When {@code who} first received something, if it did. */
        public Optional<Duration> firstEcho(String who) {
            return first(who, Kind.ECHO);
        }

        /** When {@code who} first did or saw {@code kind}. */
        public Optional<Duration> first(String who, Kind kind) {
            return events.stream().filter(e -> e.who().equals(who) && e.kind() == kind).map(Event::at).findFirst();
        }

        /** When {@code who} did or saw {@code kind} for the {@code n}th time (1-based). */
        public Optional<Duration> nth(String who, Kind kind, int n) {
            return events.stream().filter(e -> e.who().equals(who) && e.kind() == kind)
                    .skip(n - 1L).map(Event::at).findFirst();
        }
    }

    public static final String B_LINE = "hello from B\n";
    public static final String A_FIRST_LINE = "hello from A\n";
    public static final String A_SECOND_LINE = "A again\n";

    /** How long the script waits for A's own echo before it moves on regardless. */
    private static final Duration ECHO_WAIT = Duration.ofSeconds(3);

    private final InetSocketAddress server;
    private final Duration silence;
    private final Duration beat;
    private final Consumer<String> out;
    /** A breath between a step and the next, so that cause and effect never share a millisecond. */
    private static final Duration PAUSE = Duration.ofMillis(50);

    /** How far the printed timeline lags, so that late server lines can be put in their place. */
    private static final Duration PRINT_DELAY = Duration.ofMillis(150);

    /**
     * Time zero, on the wall clock (for the server's stamps) and on the nanosecond clock (for our
     * own events), both on a millisecond boundary so that the two agree to the millisecond.
     */
    private final LocalTime zeroOnWallClock;
    private final long zeroNanos;
    private final List<Event> events = new ArrayList<>();
    private final List<Event> unprinted = new ArrayList<>();
    private final Thread printer;
    /** Set once the printer has finished: later events (the server stopping) are printed at once. */
    private boolean printedAll;
    /** Names the clients in server log lines: their address as the server sees it. */
    private volatile String addressOfA = "(A not connected)";
    private volatile String addressOfB = "(B not connected)";

    /**
     * @param silence how long A stays silent after B has sent its line
     * @param beat how long to watch for B's echo after each later step
     * @param out where each event is printed as it happens
     */
    public TwoClientScenario(InetSocketAddress server, Duration silence, Duration beat, Consumer<String> out) {
        this.server = server;
        this.silence = silence;
        this.beat = beat;
        this.out = out;
        LocalTime.now(); // the first call loads the time zone rules, which takes milliseconds
        LocalTime wall = LocalTime.now();
        long nanos = System.nanoTime();
        this.zeroNanos = nanos - wall.getNano() % 1_000_000;
        this.zeroOnWallClock = wall.truncatedTo(ChronoUnit.MILLIS);
        this.printer = Thread.ofPlatform().daemon().name("demo-timeline").unstarted(this::printInOrder);
    }

    /** Runs the scenario with a beat of a third of the silence (at least 300 ms, at most 1 s). */
    public static Result run(InetSocketAddress server, Duration silence, Consumer<String> out)
            throws IOException, InterruptedException {
        return new TwoClientScenario(server, silence, defaultBeat(silence), out).run();
    }

    static Duration defaultBeat(Duration silence) {
        Duration third = silence.dividedBy(3);
        return third.compareTo(Duration.ofMillis(300)) < 0 ? Duration.ofMillis(300)
                : third.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : third;
    }

    /**
     * A line the server logged, added to the timeline at the time stamped on it (its leading
     * {@code HH:mm:ss.SSS}, as {@code Log} writes it) with A and B named in it.
     */
    public void serverSaid(String line) {
        Duration at = now();
        String message = line;
        if (line.length() > 13 && line.charAt(12) == ' ') {
            try {
                Duration stamped = Duration.between(zeroOnWallClock, LocalTime.parse(line.substring(0, 12)));
                // A line stamped before the scenario began, or across midnight, keeps its arrival time.
                if (!stamped.isNegative() && stamped.compareTo(at) <= 0) {
                    at = stamped;
                }
                message = line.substring(13);
            } catch (DateTimeParseException notStamped) {
                // Not every line carries a stamp (a stack trace, a JVM warning): arrival time it is.
            }
        }
        String named = message.replace(addressOfA, addressOfA + " [A]").replace(addressOfB, addressOfB + " [B]");
        record(at, "server", Kind.SERVER_LOG, named);
    }

    public Result run() throws IOException, InterruptedException {
        printer.start();
        try (Socket a = new Socket(); Socket b = new Socket()) {
            connect(a, "A");
            Reader readerOfA = Reader.start(this, a, "A");
            // A moment's pause, so the server has surely seen A first: the scenario is about A
            // being ahead of B in whatever order the server keeps.
            Thread.sleep(100);
            connect(b, "B");
            Reader readerOfB = Reader.start(this, b, "B");
            send(b, "B", B_LINE);
            Duration bSent = now();

            note("A stays silent for " + seconds(silence));
            // The whole silence, even if B is served at once: the script is the same for every
            // stage. The reader threads record whatever arrives meanwhile.
            Thread.sleep(silence.toMillis());
            for (String line : List.of(A_FIRST_LINE, A_SECOND_LINE)) {
                CountDownLatch echoOfA = readerOfA.nextLine();
                send(a, "A", line);
                if (!echoOfA.await(ECHO_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    note("A got no echo within " + seconds(ECHO_WAIT));
                }
                waitForB(readerOfB, beat);
            }
            leave(a, "A");
            waitForB(readerOfB, beat.multipliedBy(2));
            leave(b, "B");
            readerOfA.join();
            readerOfB.join();
            // A short wait, so the server's own lines about the two leaving make it into the timeline.
            Thread.sleep(200);

            finishPrinting();
            List<Event> timeline;
            synchronized (events) {
                timeline = events.stream().sorted(Event.ORDER).toList();
            }
            var result = new Result(timeline, BServed.NEVER, Optional.empty(), "");
            Optional<Duration> echoOfB = result.firstEcho("B");
            BServed when = whenServed(result, echoOfB);
            Optional<Duration> waited = echoOfB.map(echo -> echo.minus(bSent));
            return new Result(timeline, when, waited, verdict(when, waited));
        } finally {
            finishPrinting();
        }
    }

    /** Gives B up to {@code wait} for its echo if it has none yet; a short pause in any case. */
    private static void waitForB(Reader readerOfB, Duration wait) throws InterruptedException {
        readerOfB.firstLine.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        // A breath before the next step, so that cause and effect never share a millisecond.
        Thread.sleep(PAUSE.toMillis());
    }

    /** Reads the answer off the timestamps: which of A's steps came last before B's echo. */
    private static BServed whenServed(Result timeline, Optional<Duration> echoOfB) {
        if (echoOfB.isEmpty()) {
            return BServed.NEVER;
        }
        Duration echo = echoOfB.get();
        if (timeline.nth("A", Kind.SEND, 1).filter(sent -> sent.compareTo(echo) < 0).isEmpty()) {
            return BServed.WHILE_A_WAS_SILENT;
        }
        if (timeline.nth("A", Kind.SEND, 2).filter(sent -> sent.compareTo(echo) < 0).isEmpty()) {
            return BServed.AFTER_A_FIRST_LINE;
        }
        if (timeline.first("A", Kind.LEAVE).filter(left -> left.compareTo(echo) < 0).isEmpty()) {
            return BServed.AFTER_A_SECOND_LINE;
        }
        return BServed.AFTER_A_LEFT;
    }

    private static String verdict(BServed when, Optional<Duration> waited) {
        String wait = waited.map(TwoClientScenario::seconds).orElse("");
        return switch (when) {
            case WHILE_A_WAS_SILENT -> "B was echoed after " + millis(waited.orElseThrow())
                    + " while A was silent: clients are served independently.";
            case AFTER_A_FIRST_LINE -> "B waited " + wait + " for its echo: it came only after A spoke."
                    + " Head-of-line blocking: a silent client stalls the others.";
            case AFTER_A_SECOND_LINE -> "B waited " + wait + " for its echo: it came only after A's SECOND line."
                    + " Head-of-line blocking: a silent client stalls the others.";
            case AFTER_A_LEFT -> "B waited " + wait + " for its echo: it was served only after A left."
                    + " One client at a time.";
            case NEVER -> "B got no echo at all, not even after A left.";
        };
    }

    private void connect(Socket socket, String who) throws IOException {
        // Every action is recorded as it starts: the server may react before the call returns.
        record(who, Kind.CONNECT, "connects");
        socket.setTcpNoDelay(true);
        socket.connect(server, (int) ECHO_WAIT.toMillis());
        String address = Addresses.of(socket.getLocalSocketAddress()); // as the server log prints it
        if (who.equals("A")) {
            addressOfA = address;
        } else {
            addressOfB = address;
        }
    }

    private void send(Socket socket, String who, String line) throws IOException {
        record(who, Kind.SEND, "sends " + quoted(line));
        socket.getOutputStream().write(line.getBytes(StandardCharsets.UTF_8));
    }

    private void leave(Socket socket, String who) throws IOException {
        if (!socket.isClosed()) {
            record(who, Kind.LEAVE, "leaves (closes its connection)");
            socket.close();
        }
    }

    private void note(String text) {
        record("", Kind.NOTE, text);
    }

    private void record(String who, Kind kind, String text) {
        record(now(), who, kind, text);
    }

    private void record(Duration at, String who, Kind kind, String text) {
        Event event = new Event(at, who, kind, text);
        synchronized (events) {
            events.add(event);
            if (printedAll) {
                print(event);
            } else {
                unprinted.add(event);
            }
        }
    }

    private void print(Event e) {
        // Milliseconds cut, not rounded, as the order above cuts them.
        out.accept(String.format(Locale.ROOT, "%+9.3fs  %-6s  %s", e.at().toMillis() / 1000.0, e.who(), e.text()));
    }

    /** Prints events once they are {@link #PRINT_DELAY} old, in order; all of them once stopped. */
    private void printInOrder() {
        boolean running = true;
        while (running) {
            try {
                Thread.sleep(25);
            } catch (InterruptedException stop) {
                running = false; // the scenario is over: print everything that is left, then end
            }
            Duration printable = running ? now().minus(PRINT_DELAY) : Duration.ofDays(1);
            List<Event> ready;
            synchronized (events) {
                ready = unprinted.stream().filter(e -> e.at().compareTo(printable) <= 0).sorted(Event.ORDER).toList();
                unprinted.removeAll(ready);
                ready.forEach(this::print); // under the lock, so that a late event cannot jump the queue
                printedAll = !running;
            }
        }
    }

    /** Stops the timeline printer after it has printed everything recorded so far. */
    private void finishPrinting() throws InterruptedException {
        printer.interrupt();
        printer.join(ECHO_WAIT.toMillis());
    }

    private Duration now() {
        return Duration.ofNanos(System.nanoTime() - zeroNanos);
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    private static String millis(Duration duration) {
        return String.format(Locale.ROOT, "%.1f ms", duration.toNanos() / 1e6);
    }

    private static String quoted(String line) {
        return '"' + line.replace("\r", "\\r").replace("\n", "\\n") + '"';
    }

    /** Reads one client's socket on its own thread and records every line that comes back. */
    private static final class Reader implements Runnable {
        private final TwoClientScenario scenario;
        private final Socket socket;
        private final String who;
        private final Thread thread;
        final CountDownLatch firstLine = new CountDownLatch(1);
        private volatile CountDownLatch nextLine = new CountDownLatch(1);

        private Reader(TwoClientScenario scenario, Socket socket, String who) {
            this.scenario = scenario;
            this.socket = socket;
            this.who = who;
            this.thread = Thread.ofPlatform().daemon().name("demo-reader-" + who).unstarted(this);
        }

        static Reader start(TwoClientScenario scenario, Socket socket, String who) {
            Reader reader = new Reader(scenario, socket, who);
            reader.thread.start();
            return reader;
        }

        /** A latch for the next line to arrive after this call. */
        CountDownLatch nextLine() {
            nextLine = new CountDownLatch(1);
            return nextLine;
        }

        @Override
        public void run() {
            var line = new ByteArrayOutputStream();
            try {
                InputStream in = socket.getInputStream();
                int b;
                while ((b = in.read()) != -1) {
                    line.write(b);
                    if (b == '\n') {
                        scenario.record(who, Kind.ECHO, "gets its echo " + quoted(line.toString(StandardCharsets.UTF_8)));
                        line.reset();
                        firstLine.countDown();
                        nextLine.countDown();
                    }
                }
                scenario.record(who, Kind.CLOSED_BY_SERVER, "connection closed by the server"
                        + (line.size() > 0 ? " after " + quoted(line.toString(StandardCharsets.UTF_8)) : ""));
            } catch (IOException readFailed) {
                // Closing our own socket is how the script ends this reader; anything else is news.
                if (!socket.isClosed()) {
                    scenario.note(who + ": read failed: " + readFailed.getMessage());
                }
            }
        }

        void join() throws InterruptedException {
            thread.join(ECHO_WAIT.toMillis());
        }
    }
}
