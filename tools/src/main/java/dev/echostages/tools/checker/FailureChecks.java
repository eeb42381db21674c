package dev.echostages.tools.checker;

import static dev.echostages.tools.checker.CheckContext.quoted;
import static dev.echostages.tools.checker.CheckContext.seconds;
import static dev.echostages.tools.checker.WireChecks.ascii;

import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.testing.TestClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;

/** Stage 5's checks: one client's handler fails, and the server is asked to stop. */
final class FailureChecks {
    private FailureChecks() {
    }

    private static final int CLIENTS = 5;
    /** Which of the five sends {@code boom}: one in the middle, neither the first served nor the last. */
    private static final int BOOM_CLIENT = 2;

    /** One busy client: sends a line, reads its echo, again, until told to stop or something is wrong. */
    private static final class BusyClient implements Runnable {
        private final TestClient client;
        private final int number;
        private final Duration limit;
        private final AtomicBoolean stop;
        private final AtomicBoolean boomSent;
        volatile int linesAfterBoom;
        volatile String problem;
        /** Nothing at all came back within the limit: the server was busy with someone else. */
        volatile boolean neverServed;

        BusyClient(TestClient client, int number, Duration limit, AtomicBoolean stop, AtomicBoolean boomSent) {
            this.client = client;
            this.number = number;
            this.limit = limit;
            this.stop = stop;
            this.boomSent = boomSent;
        }

        @Override
        public void run() {
            try {
                for (int i = 1; !stop.get(); i++) {
                    boolean afterBoom = boomSent.get();
                    byte[] line = ascii("client " + number + " line " + i + "\n");
                    client.send(line);
                    Received echo = Received.read(client.input(), line.length, limit);
                    if (!Arrays.equals(echo.bytes(), line)) {
                        neverServed = i == 1 && echo.bytes().length == 0 && echo.end() == Received.End.TIMEOUT;
                        problem = "client " + number + " sent " + quoted(line) + " and got " + quoted(echo.bytes())
                                + ", " + echo.end().inWords(limit);
                        return;
                    }
                    if (afterBoom) {
                        linesAfterBoom++;
                    }
                }
            } catch (IOException broken) {
                problem = "client " + number + ": " + broken.getMessage();
            }
        }
    }

    /**
     * 5.1: five clients keep sending lines; one of them sends {@code x1}, {@code x2},
     * {@code boom}, {@code after} in one write. It gets {@code x1} and {@code x2} back, then its
     * connection closes; the other four carry on, byte-exact.
     */
    static Outcome boomEndsOneClientOnly(CheckContext context) throws IOException, InterruptedException {
        Duration limit = context.limit(Duration.ofSeconds(2));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean boomSent = new AtomicBoolean();
        List<TestClient> clients = new ArrayList<>();
        List<BusyClient> busy = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        Received got;
        try {
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(context.connect());
            }
            for (int i = 0; i < CLIENTS; i++) {
                if (i != BOOM_CLIENT) {
                    BusyClient client = new BusyClient(clients.get(i), i + 1, limit, stop, boomSent);
                    busy.add(client);
                    threads.add(Thread.ofPlatform().daemon().name("checker-client-" + (i + 1)).start(client));
                }
            }
            TestClient boomClient = clients.get(BOOM_CLIENT);
            Thread.sleep(context.limit(Duration.ofMillis(300)).toMillis()); // the others are busy by now
            boomSent.set(true);
            boomClient.send(ascii("x1\nx2\nboom\nafter\n"));
            got = Received.read(boomClient.input(), -1, limit);
            Thread.sleep(context.limit(Duration.ofMillis(500)).toMillis()); // the others carry on meanwhile
        } finally {
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(limit.toMillis() + 1000);
            }
            for (TestClient client : clients) {
                client.close();
            }
        }
        String sent = "client " + (BOOM_CLIENT + 1) + " of " + CLIENTS + " sent 'x1\\nx2\\nboom\\nafter\\n' in one write";
        OptionalInt exited = context.process().isPresent() ? context.process().get().awaitExit(Duration.ZERO) : OptionalInt.empty();
        if (exited.isPresent()) {
            return Outcome.fail(sent + ", and the server process exited (status " + exited.getAsInt() + "): an error while"
                    + " handling one client took every client down. A failure in one client's handler must end that"
                    + " client only (stage 5's lesson: an exception in a task is caught, logged, and closes its connection).");
        }
        String received = "got back " + quoted(got.bytes()) + ", " + got.end().inWords(limit);
        if (startsWith(got.bytes(), ascii("x1\nx2\nboom\n"))) {
            return Outcome.fail(sent + " and " + received + ": 'boom' was echoed like any line. This check needs the teaching"
                    + " command: the line 'boom' makes that client's handler fail, as in stage 5, to show that an error"
                    + " in one task ends its own client only.");
        }
        List<String> neverServed = busy.stream().filter(client -> client.neverServed).map(client -> Integer.toString(client.number)).toList();
        if (!neverServed.isEmpty()) {
            return Outcome.fail(sent + " and " + received + "; client " + String.join(", ", neverServed) + " of the others got no echo at all within "
                    + seconds(limit) + ": the server serves one client at a time (stage 1's problem), so this check cannot"
                    + " even begin; stage 5 runs each client as a task of its own.");
        }
        List<String> othersProblems = busy.stream().filter(client -> client.problem != null).map(client -> client.problem).toList();
        if (!othersProblems.isEmpty()) {
            return Outcome.fail(sent + " and " + received + "; meanwhile " + String.join("; ", othersProblems)
                    + ": the other clients must carry on, byte-exact, while one client's handler fails.");
        }
        if (!Arrays.equals(got.bytes(), ascii("x1\nx2\n")) || got.end() == Received.End.TIMEOUT) {
            return Outcome.fail(sent + " and " + received + ". Expected 'x1\\n' and 'x2\\n' (the lines before the failing one"
                    + " are echoed first), then the close of that connection.");
        }
        int fewest = busy.stream().mapToInt(client -> client.linesAfterBoom).min().orElse(0);
        if (fewest == 0) {
            return Outcome.fail(sent + " and " + received + ", but afterwards some other client got no echo at all:"
                    + " the failure stalled everyone.");
        }
        return Outcome.pass("the boom client got 'x1\\n' 'x2\\n', then its connection closed; the " + (CLIENTS - 1)
                + " others carried on byte-exact (at least " + fewest + " lines each after the boom)");
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** True on systems where {@link ProcessHandle#destroy()} sends SIGTERM (everything but Windows). */
    static boolean signalsAvailable() {
        return !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    /**
     * 5.2: a client is in the middle of a line when SIGTERM arrives; it finishes the line a moment
     * later. The echo arrives, and the process exits 0 within its grace ({@code --grace-ms}).
     */
    static Outcome sigtermFinishesTheEchoInFlight(CheckContext context) throws IOException, InterruptedException {
        if (context.process().isEmpty()) {
            return Outcome.skip("needs the server's process to send it SIGTERM; under --connect the checker has only a socket");
        }
        if (!signalsAvailable()) {
            return Outcome.skip("this system has no SIGTERM: on " + System.getProperty("os.name")
                    + " stopping a process ends it at once, so there is no graceful stop to check");
        }
        ServerProcess process = context.process().get();
        Duration limit = context.limit(Duration.ofSeconds(2));
        Duration grace = context.grace();
        Received rest;
        long signalled;
        try (TestClient client = context.connect()) {
            client.send(ascii("whole\nhalf a li"));
            Received first = Received.read(client.input(), 6, limit);
            if (!Arrays.equals(first.bytes(), ascii("whole\n"))) {
                return Outcome.fail("before any stop, sent 'whole\\nhalf a li' and got back " + quoted(first.bytes()) + ", "
                        + first.end().inWords(limit) + ": the server does not echo a plain line.");
            }
            Thread.sleep(context.limit(Duration.ofMillis(200)).toMillis()); // the server has read "half a li" by now
            signalled = System.nanoTime();
            process.requestStop();
            Thread.sleep(context.limit(Duration.ofMillis(300)).toMillis());
            try {
                client.send(ascii("ne\n"));
                client.shutdownOutput();
            } catch (IOException closedAlready) {
                // The server closed the connection on SIGTERM: what (if anything) came back says the rest.
            }
            Duration wait = grace.plus(limit);
            client.setReadTimeout(wait);
            rest = Received.read(client.input(), -1, wait);
        }
        long waitLeft = grace.plus(limit).toNanos() - (System.nanoTime() - signalled);
        OptionalInt status = process.awaitExit(Duration.ofNanos(Math.max(0, waitLeft)));
        Duration took = Duration.ofNanos(System.nanoTime() - signalled);
        String story = "SIGTERM came while a client was in the middle of 'half a line\\n'; it sent the rest 0.3 s later";
        if (!startsWith(rest.bytes(), ascii("half a line\n"))) {
            return Outcome.fail(story + " and got back " + quoted(rest.bytes()) + ", " + rest.end().inWords(grace.plus(limit))
                    + ": the echo in flight was lost. A graceful stop closes idle clients at once but lets a client"
                    + " mid-line finish it, within one grace deadline (stage 5's lesson; stages 1 to 4 drop it).");
        }
        if (status.isEmpty()) {
            return Outcome.fail(story + " and got its echo, but the process was still running " + seconds(took)
                    + " after SIGTERM (grace " + seconds(grace) + "): it ignores the signal, so Ctrl-C, kill and every service"
                    + " manager must kill it, losing whatever it was doing (stage 5 stops within its grace).");
        }
        if (status.getAsInt() != 0) {
            return Outcome.fail(story + " and got its echo, but the process exited with status " + status.getAsInt()
                    + (status.getAsInt() == 143 ? " (128 + 15: ended by the signal itself, no graceful stop ran)" : "")
                    + ": a requested stop is not a failure and exits 0 (stage 5).");
        }
        return Outcome.pass("the echo in flight arrived, and the process exited 0 " + seconds(took) + " after SIGTERM");
    }
}
