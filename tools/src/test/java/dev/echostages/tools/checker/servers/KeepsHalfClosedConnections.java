package dev.echostages.tools.checker.servers;

import java.io.IOException;
import java.net.Socket;

/** Check 1.2 catches it: at the client's end of stream it stops reading, and forgets to close. */
public final class KeepsHalfClosedConnections extends SmallEchoServer {
    public static void main(String[] args) throws IOException {
        new KeepsHalfClosedConnections().run(Integer.parseInt(args[0]));
    }

    @Override
    protected void afterEndOfStream(Socket socket) {
        // The handler returns, the socket stays open: the client waits for a close that never comes.
    }
}
