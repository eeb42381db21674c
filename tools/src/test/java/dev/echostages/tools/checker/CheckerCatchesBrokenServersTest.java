package dev.echostages.tools.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.echostages.tools.checker.servers.BoomEndsTheProcess;
import dev.echostages.tools.checker.servers.ClosesEverythingOnSigterm;
import dev.echostages.tools.checker.servers.KeepsHalfClosedConnections;
import dev.echostages.tools.checker.servers.OneClientAtATime;
import dev.echostages.tools.checker.servers.OneReadAtATime;
import dev.echostages.tools.checker.servers.PollsForInput;
import dev.echostages.tools.checker.servers.QueuesEveryEcho;
import dev.echostages.tools.checker.servers.RewritesLineEndings;
import dev.echostages.tools.checker.servers.SmallEchoServer;
import dev.echostages.tools.testing.PosixSignals;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checker's checks can fail: each small broken server (a {@link SmallEchoServer} with one
 * thing done wrong) fails exactly the check built to catch it, among the checks of that stage,
 * with the message that explains it. The unbroken one passes every check.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CheckerCatchesBrokenServersTest {

    static Stream<Arguments> brokenServers() {
        return Stream.of(
                Arguments.of(RewritesLineEndings.class, Check.LINES_BYTE_EXACT, "got back 'crlf line\\n'"),
                Arguments.of(KeepsHalfClosedConnections.class, Check.HALF_CLOSE, "the connection stayed open"),
                Arguments.of(OneClientAtATime.class, Check.SECOND_CLIENT, "only once A had left"),
                Arguments.of(OneReadAtATime.class, Check.SILENT_CLIENT, "only when A spoke: one client's read blocks everyone"),
                Arguments.of(PollsForInput.class, Check.IDLE_CPU, "stage 4's selector fixes it"),
                Arguments.of(QueuesEveryEcho.class, Check.NON_READER, "and its writes never stalled"),
                Arguments.of(BoomEndsTheProcess.class, Check.BOOM, "the server process exited (status 1)"),
                Arguments.of(ClosesEverythingOnSigterm.class, Check.SIGTERM, "the echo in flight was lost"));
    }

    @ParameterizedTest(name = "{0} fails {1} only")
    @MethodSource("brokenServers")
    void eachBrokenServerFailsExactlyTheCheckBuiltToCatchIt(Class<?> server, Check check, String explanation) throws IOException {
        if (check == Check.SIGTERM) {
            PosixSignals.assume();
        }
        List<Check> sameStage = Check.upToStage(check.stage()).stream().filter(other -> other.stage() == check.stage()).toList();
        var output = new ByteArrayOutputStream();
        Checker.Report report;
        try (ServerUnderTest running = start(server)) {
            report = Checker.check(running, sameStage, 1, Duration.ofSeconds(5), new PrintStream(output, true, StandardCharsets.UTF_8));
        }
        String printed = output.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(check), report.failed(), printed);
        String message = report.result(check).orElseThrow().outcome().message();
        assertTrue(message.contains(explanation), "expected '" + explanation + "' in: " + message);
        assertTrue(printed.contains(check.id() + " fail") && printed.contains(message), printed);
    }

    @Test
    void theUnbrokenServerPassesEveryCheckAndReachesStageFive() throws IOException {
        var output = new ByteArrayOutputStream();
        Checker.Report report;
        try (ServerUnderTest running = start(SmallEchoServer.class)) {
            report = Checker.check(running, List.of(Check.values()), 1, Duration.ofSeconds(5),
                    new PrintStream(output, true, StandardCharsets.UTF_8));
        }
        String printed = output.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), report.failed(), printed);
        assertEquals(5, report.reached(), printed);
        assertTrue(printed.contains("Verdict: stage 5 reached"), printed);
    }

    static ServerUnderTest start(Class<?> server) throws IOException {
        List<String> command = List.of(ServerUnderTest.JAVA_PLACEHOLDER, "-cp", System.getProperty("java.class.path"), server.getName(),
                ServerUnderTest.PORT_PLACEHOLDER);
        return ServerUnderTest.start(command, 0, Duration.ofSeconds(20), Duration.ofSeconds(5));
    }
}
