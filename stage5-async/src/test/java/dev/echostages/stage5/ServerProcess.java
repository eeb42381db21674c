package dev.echostages.stage5;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The stage 5 server as a real child process, started the way a user starts it: the same java
 * binary as this test JVM, this JVM's class path, {@code AsyncEchoServer} as the main class. Its
 * stdout is collected line by line; its stderr goes to a file, shown when a test fails.
 */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final Path stderrFile;
    private final int port;

    private ServerProcess(List<String> command, Path stderrFile) throws IOException, InterruptedException {
        this.stderrFile = stderrFile;
        this.process = new ProcessBuilder(command).redirectError(stderrFile.toFile()).start();
        Thread reader = new Thread(this::collectStdout, "server-process-stdout");
        reader.setDaemon(true);
        reader.start();
        String listening = awaitStdout("Listening on ", Duration.ofSeconds(20));
        this.port = Integer.parseInt(listening.substring(listening.lastIndexOf(':') + 1).trim());
    }

    /** Starts {@code AsyncEchoServer} with {@code --port 0} and {@code args}; returns once it listens. */
    static ServerProcess start(String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow(
                () -> new IllegalStateException("cannot tell which java runs this test"));
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                AsyncEchoServer.class.getName(), "--port", "0"));
        command.addAll(List.of(args));
        return new ServerProcess(command, Files.createTempFile("stage5-server-", ".stderr"));
    }

    private void collectStdout() {
        try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                stdout.add(line);
            }
        } catch (IOException closed) {
            stdout.add("(stdout reader stopped: " + closed + ")");
        }
    }

    int port() {
        return port;
    }

    Process process() {
        return process;
    }

    List<String> stdout() {
        return List.copyOf(stdout);
    }

    /** Everything the server said, for assertion messages. */
    String transcript() {
        String stderr;
        try {
            stderr = Files.readString(stderrFile);
        } catch (IOException unreadable) {
            stderr = "(stderr unreadable: " + unreadable + ")";
        }
        return "stdout:\n" + String.join("\n", stdout) + "\nstderr:\n" + stderr;
    }

    String awaitStdout(String fragment, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : stdout) {
                if (line.contains(fragment)) {
                    return line;
                }
            }
            if (!process.isAlive() && stdout.stream().noneMatch(line -> line.contains(fragment))) {
                Thread.sleep(100); // let the reader catch the last lines, then give up
                if (stdout.stream().noneMatch(line -> line.contains(fragment))) {
                    throw new AssertionError("server exited with " + process.exitValue() + " before printing '"
                            + fragment + "'\n" + transcript());
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + fragment + "' on stdout within " + timeout + "\n" + transcript());
    }

    /** Waits until {@code count} stdout lines contain {@code fragment} (the reader thread lags a little); returns them. */
    List<String> awaitStdoutLines(String fragment, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> matching;
        while ((matching = stdout.stream().filter(line -> line.contains(fragment)).toList()).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(matching.size() + " of " + count + " lines with '" + fragment + "' within "
                        + timeout + "\n" + transcript());
            }
            Thread.sleep(20);
        }
        return matching;
    }

    /** A test that fails must not leave a server behind. */
    @Override
    public void close() throws InterruptedException, IOException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(stderrFile);
    }
}
