package dev.echostages.tools.checker.servers;

import java.io.IOException;
import java.net.Socket;

/** Check 2.1 catches it: stage 1's shape, each client served on the accept loop until it leaves. */
public final class OneClientAtATime extends SmallEchoServer {
    public static void main(String[] args) throws IOException {
        new OneClientAtATime().run(Integer.parseInt(args[0]));
    }

    @Override
    protected void serve(Socket socket) {
        handle(socket);
    }
}
