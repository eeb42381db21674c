package dev.echostages.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.testing.PosixSignals;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ServerProcess} against {@link PretendServer}, a main class that behaves like a stage's
 * server on the outside (Listening line first, a warning on stderr, a SIGTERM hook that logs and
 * exits 0) without opening a socket.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerProcessTest {

    @Test
    void startReturnsOnceListeningAndStopKeepsTheServersLastLines() throws Exception {
        PosixSignals.assume();
        List<ServerProcess.Line> heard = new CopyOnWriteArrayList<>();
        try (ServerProcess server = ServerProcess.java(PretendServer.class.getName()).onLine(heard::add).start()) {
            assertEquals(1234, server.port());
            assertEquals("127.0.0.1", server.address().getAddress().getHostAddress());
            assertTrue(server.stdout().getFirst().startsWith("Listening on "), server.transcript());
            assertEquals("a warning", server.awaitLine("warning", Duration.ofSeconds(10)));
            assertEquals(List.of("a warning"), server.stderr());
            assertTrue(server.cpuNanos() > 0, "a JVM that has started has used CPU");

            assertEquals(0, server.stop(), server.transcript());
            assertEquals("signal received: stopping", server.stdout().getLast(), server.transcript());
            assertTrue(heard.contains(new ServerProcess.Line(ServerProcess.Source.STDERR, "a warning")), heard.toString());
            assertEquals(server.stdout().size() + server.stderr().size(), heard.size());
        }
    }

    @Test
    void prefixExecsTheServerSoItKeepsThePid() throws Exception {
        PosixSignals.assume(); // and the POSIX env command the prefix uses
        try (ServerProcess server = ServerProcess.java(PretendServer.class.getName())
                .prefix("env", "GREETING=hello").start()) {
            assertEquals("pid " + server.pid() + ", greeting hello", server.awaitLine("pid ", Duration.ofSeconds(10)));
        }
    }

    @Test
    void aServerThatNeverListensFailsWithItsTranscript() {
        IOException failure = assertThrows(IOException.class,
                () -> ServerProcess.java(PretendServer.class.getName(), "--fail").name("pretend").start());
        String message = failure.getMessage();
        assertTrue(message.startsWith("pretend printed no 'Listening on HOST:PORT' before its output ended (exit status 1)"), message);
        assertTrue(message.contains("[stderr] cannot listen: address in use"), message);
    }

    @Test
    void aServerThatIgnoresSigtermIsKilledAfterTheStopWait() throws Exception {
        PosixSignals.assume();
        try (ServerProcess server = ServerProcess.java(PretendServer.class.getName(), "--ignore-sigterm")
                .stopWait(Duration.ofMillis(500)).start()) {
            assertEquals(128 + 9, server.stop(), "SIGKILL's exit status\n" + server.transcript());
            assertTrue(server.awaitExit(Duration.ZERO).isPresent());
        }
    }

    /** Looks like a stage's server from outside; ends by itself after a minute should nobody stop it. */
    static final class PretendServer {
        public static void main(String[] args) {
            List<String> options = List.of(args);
            if (options.contains("--fail")) {
                System.err.println("cannot listen: address in use");
                System.exit(1);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.out.println("signal received: stopping");
                System.out.flush();
                if (options.contains("--ignore-sigterm")) {
                    sleep(Duration.ofMinutes(1));
                }
                Runtime.getRuntime().halt(0); // as ServerMain does after a clean stop
            }));
            System.out.println("Listening on 127.0.0.1:1234");
            System.out.println("pid " + ProcessHandle.current().pid() + ", greeting " + System.getenv("GREETING"));
            System.err.println("a warning");
            sleep(Duration.ofMinutes(1));
        }

        private static void sleep(Duration duration) {
            try {
                Thread.sleep(duration);
            } catch (InterruptedException interrupted) {
                // Nobody interrupts this process's threads; ending the sleep early is harmless.
                Thread.currentThread().interrupt();
            }
        }
    }
}
