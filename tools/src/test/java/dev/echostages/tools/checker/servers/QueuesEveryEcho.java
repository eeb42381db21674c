package dev.echostages.tools.checker.servers;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Check 4.2 catches it: echoes go into an unbounded queue that a writer thread empties, so the
 * reader never waits for a client that does not read, and the queue grows without end.
 */
public final class QueuesEveryEcho extends SmallEchoServer {
    public static void main(String[] args) throws IOException {
        new QueuesEveryEcho().run(Integer.parseInt(args[0]));
    }

    @Override
    protected OutputStream output(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        BlockingQueue<byte[]> unsent = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    out.write(unsent.take());
                }
            } catch (IOException | InterruptedException writerEnds) {
                // The connection is gone: what is queued for it is dropped with it.
            }
        });
        return new OutputStream() {
            @Override
            public void write(int b) {
                unsent.add(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                unsent.add(Arrays.copyOfRange(bytes, offset, offset + length));
            }
        };
    }
}
