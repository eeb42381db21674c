package dev.echostages.benchmarks.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness starts each server with limits that fit the trial, and keeps the reason a trial failed. */
class TrialLimitsTest {

    @Test
    void stageFiveMayServeEveryIdleConnectionAndTheActiveClients() {
        for (ServerKind stage5 : List.of(ServerKind.NIO2, ServerKind.VIRTUAL)) {
            List<String> command = stage5.command(10_001);
            int at = command.indexOf("--max-clients");
            assertEquals(10_001 + ServerKind.CLIENT_MARGIN, Integer.parseInt(command.get(at + 1)), command.toString());
        }
        assertFalse(ServerKind.SELECTOR.command(10_001).contains("--max-clients"), "stage 4 has no such option");
    }

    @Test
    void aFailedTrialsReasonIsItsRootCause() {
        String output = """
                <failure>

                java.lang.IllegalStateException: idle connection 10000 was not echoed
                \tat dev.echostages.benchmarks.harness.ServerFixture.addIdleConnections(ServerFixture.java:150)
                Caused by: java.io.IOException: refused: already serving 10,000 clients (--max-clients)
                \tat dev.echostages.benchmarks.harness.EchoConnection.expectEcho(EchoConnection.java:44)
                """;
        assertEquals("java.io.IOException: refused: already serving 10,000 clients (--max-clients)", ProgressOutput.reason(output));
        assertEquals("java.lang.IllegalStateException: idle connection 10000 was not echoed",
                ProgressOutput.reason(output.substring(0, output.indexOf("Caused by"))));
    }
}
