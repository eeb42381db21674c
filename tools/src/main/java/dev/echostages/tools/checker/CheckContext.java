package dev.echostages.tools.checker;

import dev.echostages.tools.ServerProcess;
import dev.echostages.tools.demo.TwoClientScenario;
import dev.echostages.tools.testing.TestClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * What a check works with: the server's address (and its process, when the checker started it),
 * the {@code --slow} factor every time limit is multiplied by, and the {@code --grace-ms} the
 * server gets to stop.
 */
final class CheckContext {
    private final ServerUnderTest server;
    private final double slow;
    private final Duration grace;
    /** Checks 2.1 and 3.1 read one run of the two-client scenario: it takes seconds. */
    private TwoClientScenario.Result twoClients;

    CheckContext(ServerUnderTest server, double slow, Duration grace) {
        this.server = server;
        this.slow = slow;
        this.grace = grace;
    }

    InetSocketAddress address() {
        return server.address();
    }

    Optional<ServerProcess> process() {
        return server.process();
    }

    /** {@code limit} times {@code --slow}: how long the check waits before it calls something too late. */
    Duration limit(Duration limit) {
        return Duration.ofNanos(Math.round(limit.toNanos() * slow));
    }

    Duration grace() {
        return grace;
    }

    /** A client with every read bounded by {@code limit(2 s)}. */
    TestClient connect() throws IOException {
        TestClient client = TestClient.connect(address());
        client.setReadTimeout(limit(Duration.ofSeconds(2)));
        return client;
    }

    /** The two-client scenario (A silent, B talks), run once for the checks that read it. */
    TwoClientScenario.Result twoClients() throws IOException, InterruptedException {
        if (twoClients == null) {
            twoClients = TwoClientScenario.run(address(), limit(Duration.ofSeconds(1)), line -> { });
        }
        return twoClients;
    }

    /** Bytes as a reader would type them: printable ASCII as is, \n \r and the rest escaped. */
    static String quoted(byte[] bytes) {
        StringBuilder text = new StringBuilder("'");
        for (byte b : bytes) {
            int value = b & 0xFF;
            text.append(switch (value) {
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\\' -> "\\\\";
                case '\'' -> "\\'";
                default -> value >= 0x20 && value < 0x7F ? String.valueOf((char) value) : String.format(Locale.ROOT, "\\x%02x", value);
            });
            if (text.length() > 90) {
                return text.append("...' (").append(bytes.length).append(" bytes)").toString();
            }
        }
        return text.append('\'').toString();
    }

    static String quoted(String text) {
        return quoted(text.getBytes(StandardCharsets.UTF_8));
    }

    static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    static String millis(Duration duration) {
        return duration.toMillis() + " ms";
    }
}
