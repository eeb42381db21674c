package dev.echostages.tools.checker.servers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A small echo server that passes every check of the checker: a thread per client, bytes split
 * on \n and never decoded, {@code boom} fails that client's handler only, and SIGTERM closes idle
 * clients at once while a client mid-line may finish it within a grace of two seconds.
 *
 * <p>Each broken server next to it is this one with one thing done wrong, in one overridden
 * method, so that exactly one check must catch it. Run: {@code java -cp ... SmallEchoServer PORT}.
 */
public class SmallEchoServer {
    private static final long GRACE_MILLIS = 2000;

    /** One connected client; {@code midLine} while it has sent part of a line. */
    protected static final class Client {
        final Socket socket;
        volatile boolean midLine;

        Client(Socket socket) {
            this.socket = socket;
        }
    }

    protected final Set<Client> clients = ConcurrentHashMap.newKeySet();
    protected volatile boolean stopping;
    private ServerSocket listener;

    public static void main(String[] args) throws IOException {
        new SmallEchoServer().run(Integer.parseInt(args[0]));
    }

    protected final void run(int port) throws IOException {
        listener = new ServerSocket(port, 1024, InetAddress.getLoopbackAddress());
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopOnSigterm));
        while (true) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (SocketException closed) {
                if (stopping) {
                    return; // the shutdown hook closed the listener
                }
                throw closed;
            }
            serve(socket);
        }
    }

    /** Every client on a thread of its own. */
    protected void serve(Socket socket) {
        Thread.ofPlatform().start(() -> handle(socket));
    }

    protected final void handle(Socket socket) {
        Client client = new Client(socket);
        clients.add(client);
        try {
            InputStream in = socket.getInputStream();
            OutputStream out = output(socket);
            var line = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            int n;
            while ((n = read(client, in, chunk)) > 0) {
                for (int i = 0; i < n; i++) {
                    line.write(chunk[i]);
                    if (chunk[i] == '\n') {
                        byte[] complete = line.toByteArray();
                        line.reset();
                        if (Arrays.equals(complete, "boom\n".getBytes(StandardCharsets.US_ASCII))) {
                            boom();
                        }
                        out.write(echo(complete));
                        if (stopping) {
                            closeGently(socket); // it has finished the line it was in; it gets nothing more
                            return;
                        }
                    }
                }
                client.midLine = line.size() > 0;
            }
            afterEndOfStream(socket); // an unterminated tail is dropped
        } catch (IOException | RuntimeException endsThisClientOnly) {
            closeGently(socket);
        } finally {
            clients.remove(client);
        }
    }

    /** Blocks until the client has sent something: -1 at its end of stream. */
    protected int read(Client client, InputStream in, byte[] chunk) throws IOException {
        return in.read(chunk);
    }

    protected OutputStream output(Socket socket) throws IOException {
        return socket.getOutputStream();
    }

    protected byte[] echo(byte[] line) {
        return line;
    }

    protected void boom() {
        throw new IllegalStateException("boom");
    }

    protected void afterEndOfStream(Socket socket) {
        closeGently(socket);
    }

    /** FIN after the echoes, then read and drop what the client still sends, so that close() sends no reset. */
    protected static void closeGently(Socket socket) {
        try (socket) {
            socket.shutdownOutput();
            socket.setSoTimeout(500);
            socket.getInputStream().skip(Long.MAX_VALUE);
        } catch (IOException alreadyGone) {
            // The client went first: there is nothing left to send it.
        }
    }

    /** Idle clients are closed at once; one mid-line gets the grace to finish it; then exit 0. */
    protected void stopOnSigterm() {
        stopping = true;
        try {
            listener.close();
            for (Client client : clients) {
                if (!client.midLine) {
                    client.socket.close();
                }
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
            while (!clients.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (IOException | InterruptedException stopAnyway) {
            // The process ends just below either way.
        }
        Runtime.getRuntime().halt(0); // a requested stop is not a failure
    }
}
