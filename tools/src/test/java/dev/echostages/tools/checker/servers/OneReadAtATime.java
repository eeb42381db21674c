package dev.echostages.tools.checker.servers;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Check 3.1 catches it: every client has a thread, but all reads take one lock and hold it while
 * they block, so a silent client keeps everyone waiting until it speaks: stage 2's head-of-line
 * blocking. The lock is fair, so once A speaks B is next.
 */
public final class OneReadAtATime extends SmallEchoServer {
    private final ReentrantLock oneRead = new ReentrantLock(true);

    public static void main(String[] args) throws IOException {
        new OneReadAtATime().run(Integer.parseInt(args[0]));
    }

    @Override
    protected int read(Client client, InputStream in, byte[] chunk) throws IOException {
        oneRead.lock();
        try {
            return in.read(chunk);
        } finally {
            oneRead.unlock();
        }
    }
}
