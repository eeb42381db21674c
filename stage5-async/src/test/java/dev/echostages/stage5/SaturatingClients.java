package dev.echostages.stage5;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The load of the fairness lessons: clients whose sockets always have data for the server. Each
 * keeps up to 128 KiB of 64-byte lines in flight and reads its echoes as fast as they come, on two
 * platform threads of its own, so from the server's side its read never has to wait.
 */
final class SaturatingClients implements AutoCloseable {
    private static final int IN_FLIGHT = 128 * 1024;
    private static final byte[] CHUNK = new byte[16 * 1024];

    static {
        Arrays.fill(CHUNK, (byte) 'x');
        for (int i = 63; i < CHUNK.length; i += 64) {
            CHUNK[i] = '\n';
        }
    }

    private final List<Socket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<AtomicLong> echoed = new ArrayList<>();
    private volatile boolean running = true;

    static SaturatingClients start(InetSocketAddress server, int count) throws IOException {
        var load = new SaturatingClients();
        try {
            for (int i = 0; i < count; i++) {
                load.add(server);
            }
        } catch (IOException | RuntimeException failed) {
            load.close();
            throw failed;
        }
        return load;
    }

    private void add(InetSocketAddress server) throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.connect(server, 5_000);
        AtomicLong sent = new AtomicLong();
        AtomicLong received = new AtomicLong();
        echoed.add(received);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        threads.add(Thread.ofPlatform().daemon().start(() -> {
            try {
                while (running) {
                    if (sent.get() - received.get() >= IN_FLIGHT) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // the window is full: let echoes come back
                        continue;
                    }
                    out.write(CHUNK);
                    sent.addAndGet(CHUNK.length);
                }
            } catch (IOException closed) {
                // close() ended it, or the server did: either way this load is over.
            }
        }));
        threads.add(Thread.ofPlatform().daemon().start(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    received.addAndGet(n);
                }
            } catch (IOException closed) {
                // as above
            }
        }));
    }

    /** Waits until every client has had at least {@code bytes} echoed: the load is real, not just connected. */
    void awaitEachEchoed(long bytes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (AtomicLong received : echoed) {
            while (received.get() < bytes) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("a saturating client got only " + received.get() + " bytes echoed within " + timeout);
                }
                Thread.sleep(10);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException alreadyBroken) {
                // nothing left to release: the test is over
            }
        }
        for (Thread thread : threads) {
            try {
                thread.join(5_000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
