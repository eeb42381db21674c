package dev.echostages.benchmarks.harness;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Locale;

/**
 * Outside servers that fail the way real ones do, for the tests of {@code --external}: run as
 * {@code java -cp ... MisbehavingServers$NeverListens PORT} or {@code ...$WrongEcho PORT}.
 */
final class MisbehavingServers {
    private MisbehavingServers() {
    }

    /** Starts, prints nothing, listens nowhere: a server whose command is wrong, or that hangs in start-up. */
    static final class NeverListens {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(120_000); // the harness gives up long before; its SIGTERM ends this
        }
    }

    /** Accepts and answers every line in upper case: a server that breaks the echo contract. */
    static final class WrongEcho {
        public static void main(String[] args) throws Exception {
            try (ServerSocket listener = new ServerSocket(Integer.parseInt(args[0]), 50, InetAddress.getLoopbackAddress())) {
                while (true) {
                    try (Socket client = listener.accept()) {
                        InputStream in = client.getInputStream();
                        OutputStream out = client.getOutputStream();
                        byte[] chunk = new byte[1024];
                        int count = in.read(chunk);
                        if (count > 0) {
                            out.write(new String(chunk, 0, count, "ISO-8859-1").toUpperCase(Locale.ROOT).getBytes("ISO-8859-1"));
                        }
                    }
                }
            }
        }
    }
}
