package dev.echostages.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.ServerMain;
import dev.echostages.common.ServerOptions;
import dev.echostages.tools.testing.PosixSignals;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a server process ends: a requested stop exits 0, a crash exits 70 with its reason logged. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerMainTest {

    /**
     * A server whose loop dies of an Error when asked to ({@code --crash}), as stage 4's did of an
     * OutOfMemoryError, and otherwise serves nothing until stopped. No socket: the exit status is
     * the point.
     */
    public static final class CrashingServer implements EchoServer {
        private final boolean crash;
        private final InetSocketAddress localAddress;
        private final CountDownLatch stopped = new CountDownLatch(1);

        CrashingServer(ServerOptions options) throws IOException {
            this.crash = options.flag("--crash");
            // What a channel bound to the wildcard reports on a dual-stack system: the IPv6 one.
            InetSocketAddress requested = options.bindAddress();
            this.localAddress = requested.getAddress().isAnyLocalAddress() ? new InetSocketAddress("::", 4321)
                    : new InetSocketAddress(requested.getAddress(), 4321);
        }

        public static void main(String[] args) {
            ServerMain.run(args, new CommandLine("crashing", "a server that dies").flag("--crash", "die in serve()"),
                    (options, log) -> new CrashingServer(options));
        }

        @Override
        public InetSocketAddress localAddress() {
            return localAddress;
        }

        @Override
        public void serve() throws IOException {
            if (crash) {
                throw new OutOfMemoryError("Java heap space (simulated)");
            }
            try {
                stopped.await();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void stop() {
            stopped.countDown();
        }
    }

    @Test
    void aServerWhoseLoopDiesExitsNonZeroWithTheReasonLogged() throws Exception {
        try (ServerProcess server = ServerProcess.java(CrashingServer.class.getName(), "--crash").start()) {
            assertTrue(server.awaitExit(Duration.ofSeconds(20)).isPresent(), "still running: " + server.transcript());
            assertEquals(ServerMain.CRASHED, server.stop(), server.transcript()); // stop() returns once its output is all read
            assertTrue(server.transcript().contains("server failed, exiting with status 70"), server.transcript());
            assertTrue(server.transcript().contains("OutOfMemoryError"), server.transcript());
        }
    }

    @Test
    void aRequestedStopExitsZero() throws Exception {
        PosixSignals.assume();
        try (ServerProcess server = ServerProcess.java(CrashingServer.class.getName()).start()) {
            assertEquals(0, server.stop(), server.transcript());
        }
    }

    @Test
    void everyStrictOptionErrorExitsTwoWithOneShortReason() throws Exception {
        for (String[] args : new String[][] {{"--crash=yes"}, {"--port", "\u0660"}, {""}, {"--" + "x".repeat(10_000)}}) {
            Process process = new ProcessBuilder(ServerProcess.javaCommand(CrashingServer.class.getName(), List.of(args)))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String firstLine = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "still running after " + List.of(args));
            assertEquals(2, process.exitValue(), firstLine);
            assertTrue(firstLine.startsWith("crashing: ") && firstLine.length() < 140, firstLine);
        }
    }

    private static String listeningLine(String... args) throws Exception {
        try (ServerProcess server = ServerProcess.java(CrashingServer.class.getName(), args).start()) {
            return server.transcript().lines().filter(line -> line.startsWith("Listening on")).findFirst().orElseThrow();
        }
    }

    @Test
    void thePidFollowsTheListeningLineOnALineOfItsOwn() throws Exception {
        try (ServerProcess server = ServerProcess.java(CrashingServer.class.getName()).start()) {
            server.awaitLine("PID ", Duration.ofSeconds(10));
            assertEquals(List.of("Listening on 127.0.0.1:4321", "PID " + server.pid()), server.stdout().subList(0, 2));
        }
    }

    @Test
    void theListeningLineCanBePastedIntoNc() throws Exception {
        assertEquals("Listening on 127.0.0.1:4321", listeningLine());
        assertEquals("Listening on [::1]:4321", listeningLine("--host", "::1"));
        // Every stage words the wildcard as it was asked for, whichever family its socket reports.
        assertEquals("Listening on 0.0.0.0:4321", listeningLine("--host", "0.0.0.0"));
        assertEquals("Listening on [::]:4321", listeningLine("--host", "::"));
    }
}
