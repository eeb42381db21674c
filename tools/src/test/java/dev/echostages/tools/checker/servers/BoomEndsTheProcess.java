package dev.echostages.tools.checker.servers;

import java.io.IOException;

/**
 * Check 5.1 catches it: {@code boom} ends the whole process, as an uncaught exception does in a
 * language whose runtime stops at the first one; every other client loses its connection.
 */
public final class BoomEndsTheProcess extends SmallEchoServer {
    public static void main(String[] args) throws IOException {
        new BoomEndsTheProcess().run(Integer.parseInt(args[0]));
    }

    @Override
    protected void boom() {
        Runtime.getRuntime().halt(1);
    }
}
