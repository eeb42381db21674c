package dev.echostages.stage1;

import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.testing.ReadmeTranscripts;
import dev.echostages.tools.testing.RunningServer;
import dev.echostages.tools.testing.TestClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The transcripts in this stage's README are what the server prints today: each marked block is
 * produced here by the real server, driven as telnet or nc would drive it. To regenerate them
 * after a change to the log: {@code ./mvnw -q -pl stage1-blocking -am verify -Dreadme.update=true}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BlockingEchoReadmeTest {

    /** The port the README shows: the default, the one a student's server listens on. */
    private static final int SHOWN_PORT = 8000;

    @Test
    void readmeTranscriptsAreWhatTheServerPrints() throws Exception {
        ReadmeTranscripts.of(Path.of("README.md"))
                .scenario("nc-session", BlockingEchoReadmeTest::ncSession)
                .scenario("server-log", BlockingEchoReadmeTest::serverLogOfATelnetLine)
                .verify();
    }

    /** `nc localhost 8000`, then "hi there" typed: nc sends it with \n when Enter is pressed. */
    private static String ncSession() throws Exception {
        try (RunningServer server = RunningServer.start(BlockingEchoServer.commandLine(), BlockingEchoServer::new);
                TestClient nc = server.connect()) {
            String typed = "hi there\n";
            nc.send(typed);
            byte[] echo = nc.readLine();
            return "$ nc localhost " + SHOWN_PORT + "\n" + typed + new String(echo, StandardCharsets.UTF_8);
        }
    }

    /** The server process's own output while telnet sends one line ("hi there\r\n") and leaves. */
    private static String serverLogOfATelnetLine() throws Exception {
        try (ServerProcess server = ServerProcess.java(BlockingEchoServer.class.getName(), "--port", "0").start()) {
            try (TestClient telnet = TestClient.connect(server.address())) {
                telnet.send("hi there\r\n");
                telnet.readLine();
            }
            server.awaitLine("disconnected", Duration.ofSeconds(10));
            List<String> shown = new ArrayList<>();
            for (String line : server.stdout()) {
                shown.add(line.replace("127.0.0.1:" + server.port(), "127.0.0.1:" + SHOWN_PORT));
                if (line.contains("disconnected")) {
                    break;
                }
            }
            return String.join("\n", shown);
        }
    }
}
