package dev.echostages.tools.checker.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Check 1.1 catches it: each line is decoded to a String and written back with println's \n,
 * as a BufferedReader/PrintWriter server does: CRLF becomes LF, bytes that are not UTF-8 become
 * U+FFFD.
 */
public final class RewritesLineEndings extends SmallEchoServer {
    public static void main(String[] args) throws IOException {
        new RewritesLineEndings().run(Integer.parseInt(args[0]));
    }

    @Override
    protected byte[] echo(byte[] line) {
        String text = new String(line, StandardCharsets.UTF_8).stripTrailing();
        return (text + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
