package dev.echostages.common;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * What every stage's server is, seen from outside: it is bound when constructed, {@link #serve}
 * runs it on the caller's thread, and {@link #stop} (from any thread: a signal handler, a test)
 * makes {@code serve} return. Tests drive servers through this; {@link ServerMain} runs them as
 * processes.
 */
public interface EchoServer {

    /** The bound address, with the real port when the server was asked for port 0. */
    InetSocketAddress localAddress();

    /** Serves clients until {@link #stop} is called. */
    void serve() throws IOException;

    /** Stops serving: closes the listening socket and the clients. Safe to call more than once. */
    void stop();

    /** Opens (binds) a stage's server; stage classes pass their constructor. */
    @FunctionalInterface
    interface Factory {
        EchoServer open(ServerOptions options, Log log) throws IOException;
    }
}
