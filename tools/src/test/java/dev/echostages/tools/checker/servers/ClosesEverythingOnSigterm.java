package dev.echostages.tools.checker.servers;

import java.io.IOException;

/**
 * Check 5.2 catches it: on SIGTERM it closes every connection at once and exits 0, so a client
 * in the middle of a line never gets its echo.
 */
public final class ClosesEverythingOnSigterm extends SmallEchoServer {
    public static void main(String[] args) throws IOException {
        new ClosesEverythingOnSigterm().run(Integer.parseInt(args[0]));
    }

    @Override
    protected void stopOnSigterm() {
        for (Client client : clients) {
            try {
                client.socket.close();
            } catch (IOException closingAnyway) {
                // Closing is all this stop does; a failure to close changes nothing here.
            }
        }
        Runtime.getRuntime().halt(0);
    }
}
