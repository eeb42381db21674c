package dev.echostages.benchmarks.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The benchmark's client side of one connection: blocking, TCP_NODELAY, and a read timeout so a
 * broken server fails the trial instead of hanging it. Every echo is checked byte for byte; a
 * benchmark of a server that answers wrongly would measure nothing.
 */
public final class EchoConnection implements AutoCloseable {
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] reply = new byte[1024];

    public EchoConnection(int port) throws IOException {
        socket = new Socket();
        // Without it the kernel may hold a small write back for up to 40 ms (Nagle's algorithm
        // meeting delayed ACKs), and the benchmark would measure that instead of the server.
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), READ_TIMEOUT_MILLIS);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public void send(byte[] line) throws IOException {
        out.write(line);
    }

    /** Reads exactly one echo of {@code line} and fails if it is not byte-for-byte the same. */
    public void expectEcho(byte[] line) throws IOException {
        int length = line.length;
        int read = in.readNBytes(reply, 0, length);
        if (read != length || !Arrays.equals(reply, 0, length, line, 0, length)) {
            throw new IOException("wrong echo: expected " + length + " bytes, got " + read + ": "
                    + new String(reply, 0, read, StandardCharsets.ISO_8859_1));
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
