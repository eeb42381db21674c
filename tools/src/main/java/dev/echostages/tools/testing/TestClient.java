package dev.echostages.tools.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A plain blocking client on loopback for tests. Every read has a timeout (5 s unless told), so a
 * server that never answers fails the test instead of hanging it.
 */
public final class TestClient implements AutoCloseable {
    private static final int DEFAULT_TIMEOUT_MS = 5_000;

    private final Socket socket;
    private final PushbackInputStream in;
    private final OutputStream out;

    private TestClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new PushbackInputStream(socket.getInputStream(), 1);
        this.out = socket.getOutputStream();
    }

    public static TestClient connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address, DEFAULT_TIMEOUT_MS);
        socket.setSoTimeout(DEFAULT_TIMEOUT_MS);
        return new TestClient(socket);
    }

    public Socket socket() {
        return socket;
    }

    public InputStream input() {
        return in;
    }

    public TestClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public TestClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads up to and including the next {@code \n}; fails on EOF before it. */
    public byte[] readLine() throws IOException {
        var line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("EOF after " + line.size() + " bytes of a line: " + line);
            }
            line.write(b);
            if (b == '\n') {
                return line.toByteArray();
            }
        }
    }

    public String readLineText() throws IOException {
        return new String(readLine(), StandardCharsets.UTF_8);
    }

    public byte[] readExactly(int count) throws IOException {
        byte[] data = in.readNBytes(count);
        if (data.length < count) {
            throw new IOException("EOF after " + data.length + " of " + count + " bytes");
        }
        return data;
    }

    /** Reads everything until the server closes; a reset after the data also counts as the end. */
    public byte[] readToEnd() throws IOException {
        var all = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        try {
            int n;
            while ((n = in.read(chunk)) >= 0) {
                all.write(chunk, 0, n);
            }
        } catch (SocketException reset) {
            if (all.size() == 0) {
                throw reset;
            }
        }
        return all.toByteArray();
    }

    /** True if nothing at all arrives within {@code wait}; whatever does arrive stays readable. */
    public boolean receivesNothingWithin(Duration wait) throws IOException {
        socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
        try {
            int b = in.read();
            if (b >= 0) {
                in.unread(b);
            }
            return false;
        } catch (SocketTimeoutException nothing) {
            return true;
        } finally {
            socket.setSoTimeout(DEFAULT_TIMEOUT_MS);
        }
    }

    /**
     * True if the server ends the connection (EOF or reset) within {@code wait}, with no data
     * before the end.
     */
    public boolean closedByServerWithin(Duration wait) throws IOException {
        socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        } finally {
            socket.setSoTimeout(DEFAULT_TIMEOUT_MS);
        }
    }

    public void setReadTimeout(Duration timeout) throws SocketException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Closes with a TCP reset (RST) instead of a polite FIN, as a crashed client would. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
