package dev.echostages.tools.testing;

import static org.junit.jupiter.api.Assertions.assertNull;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.ServerOptions;
import dev.echostages.common.testing.LogRecorder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A stage's server running in this JVM on 127.0.0.1 and a free port, its {@code serve()} on a
 * thread of its own, its log recorded. {@link #close()} stops it and fails the test if
 * {@code serve()} threw or did not return.
 */
public final class RunningServer implements AutoCloseable {
    private final EchoServer server;
    private final LogRecorder log;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private RunningServer(EchoServer server, LogRecorder log) {
        this.server = server;
        this.log = log;
        this.thread = new Thread(this::serve, "server-under-test");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Starts the server with {@code --host 127.0.0.1 --port 0} and the given options. */
    public static RunningServer start(CommandLine commandLine, EchoServer.Factory factory, String... args)
            throws IOException {
        List<String> all = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0"));
        all.addAll(Arrays.asList(args));
        ServerOptions options;
        try {
            options = commandLine.parse(all.toArray(String[]::new));
        } catch (CommandLine.UsageException | CommandLine.HelpRequested bad) {
            throw new IllegalArgumentException("bad test options " + all, bad);
        }
        LogRecorder log = new LogRecorder(options.quiet());
        return new RunningServer(factory.open(options, log.log()), log);
    }

    private void serve() {
        try {
            server.serve();
        } catch (Throwable t) {
            failure.set(t);
            t.printStackTrace();
        }
    }

    public EchoServer server() {
        return server;
    }

    public InetSocketAddress address() {
        return server.localAddress();
    }

    /** The thread running {@code serve()}, for measuring its CPU time. */
    public Thread thread() {
        return thread;
    }

    public LogRecorder log() {
        return log;
    }

    public TestClient connect() throws IOException {
        return TestClient.connect(address());
    }

    @Override
    public void close() throws InterruptedException {
        server.stop();
        thread.join(10_000);
        if (thread.isAlive()) {
            throw new AssertionError("serve() did not return within 10 s of stop()");
        }
        assertNull(failure.get(), "serve() threw");
    }
}
