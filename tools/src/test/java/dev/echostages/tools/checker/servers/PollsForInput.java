package dev.echostages.tools.checker.servers;

import java.io.IOException;
import java.io.InputStream;

/**
 * Check 4.1 catches it: instead of blocking in read() until the kernel has bytes, each client's
 * thread asks available() every millisecond, and goes on asking after the client has gone
 * (available() says 0 at the end of the stream too).
 */
public final class PollsForInput extends SmallEchoServer {
    public static void main(String[] args) throws IOException {
        new PollsForInput().run(Integer.parseInt(args[0]));
    }

    @Override
    protected int read(Client client, InputStream in, byte[] chunk) throws IOException {
        try {
            while (in.available() == 0) {
                Thread.sleep(1);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return -1;
        }
        return in.read(chunk);
    }
}
