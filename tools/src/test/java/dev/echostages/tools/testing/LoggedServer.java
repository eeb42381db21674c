package dev.echostages.tools.testing;

import dev.echostages.tools.ServerProcess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A stage's server as a child process on a free port, with every line it prints kept together
 * with the stream it came on: what the README tests turn into the server logs a README shows.
 */
public final class LoggedServer implements AutoCloseable {
    /** Every line so far, stdout and stderr as they were read; lock it to read it. */
    public final List<ServerProcess.Line> lines = new ArrayList<>();
    public final ServerProcess process;

    public LoggedServer(String mainClass, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--port", "0"));
        all.addAll(Arrays.asList(args));
        process = ServerProcess.java(mainClass, all.toArray(String[]::new)).onLine(line -> {
            synchronized (lines) {
                lines.add(line);
            }
        }).start();
    }

    /** The merged log from the first line containing {@code first} through the first containing {@code last} (see {@link Measured#log}). */
    public String log(String first, String last) {
        return Measured.log(process, lines, line -> line.contains(first), line -> line.contains(last));
    }

    @Override
    public void close() {
        process.close();
    }
}
