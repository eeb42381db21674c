package dev.echostages.tools.checker;

import dev.echostages.tools.ServerProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The server being checked: either a command the checker starts (and may watch, signal and
 * restart), or an address of a server already running ({@code --connect}), which it can only
 * talk to.
 *
 * <p>A started server is ready when a connection to its port echoes a line, as
 * {@link ServerProcess} waits for any server in any language: nothing is asked of its output.
 */
final class ServerUnderTest implements AutoCloseable {
    static final String PORT_PLACEHOLDER = "{port}";
    /** The java running the checker: a Java server's command runs on the same JDK, whatever java is on the PATH. */
    static final String JAVA_PLACEHOLDER = "{java}";

    /** The command with {@code {port}} still in it; empty under {@code --connect}. */
    private final List<String> command;
    /** The port the command listens on when it has no {@code {port}} ({@code --port N}); 0 otherwise. */
    private final int fixedPort;
    private final Duration startupTimeout;
    private final Duration stopWait;
    private ServerProcess process;
    private InetSocketAddress address;

    private ServerUnderTest(List<String> command, int fixedPort, Duration startupTimeout, Duration stopWait) {
        this.command = List.copyOf(command);
        this.fixedPort = fixedPort;
        this.startupTimeout = startupTimeout;
        this.stopWait = stopWait;
    }

    /** Starts {@code command} (every {@code {port}} replaced by a free port, or by {@code fixedPort}). */
    static ServerUnderTest start(List<String> command, int fixedPort, Duration startupTimeout, Duration stopWait)
            throws IOException {
        ServerUnderTest server = new ServerUnderTest(command, fixedPort, startupTimeout, stopWait);
        server.launch();
        return server;
    }

    static ServerUnderTest connect(InetSocketAddress address) {
        ServerUnderTest server = new ServerUnderTest(List.of(), 0, Duration.ZERO, Duration.ZERO);
        server.address = address;
        return server;
    }

    private void launch() throws IOException {
        int port = fixedPort > 0 ? fixedPort : freePort();
        List<String> resolved = command.stream()
                .map(word -> word.equals(JAVA_PLACEHOLDER) ? ServerProcess.javaBinary() : word.replace(PORT_PLACEHOLDER, Integer.toString(port)))
                .toList();
        process = ServerProcess.command(resolved).name("the server").readyWhenItEchoesOn(port)
                .startupTimeout(startupTimeout).stopWait(stopWait).start();
        address = process.address();
    }

    /**
     * A port nobody listens on right now. Another program could take it before the server does;
     * then the server fails to start and says so, which the checker reports.
     */
    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    InetSocketAddress address() {
        return address;
    }

    /** The process, when the checker started it; empty under {@code --connect}. */
    Optional<ServerProcess> process() {
        return Optional.ofNullable(process);
    }

    /**
     * A check that took the process down (a crash on {@code boom}) must not fail the checks
     * after it as well: a started server that has exited is started again, and the report says
     * so. Returns that note, or empty when the server was running (or is not ours to start).
     */
    Optional<String> restartIfExited() throws IOException {
        if (process == null) {
            return Optional.empty();
        }
        OptionalInt status;
        try {
            status = process.awaitExit(Duration.ZERO);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while looking at the server process", interrupted);
        }
        if (status.isEmpty()) {
            return Optional.empty();
        }
        String transcript = process.transcript();
        launch();
        return Optional.of("the server had exited (status " + status.getAsInt() + ") and was started again; it had printed:\n"
                + indent(lastLines(transcript, 8)));
    }

    /** How the report names the server: its command as given, or the address it was told. */
    String description() {
        return command.isEmpty() ? "the server at " + hostPort(address) : String.join(" ", command);
    }

    static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    private static String lastLines(String text, int count) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    static String indent(String text) {
        return text.lines().map(line -> "      " + line).reduce((a, b) -> a + "\n" + b).orElse("");
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }
}
