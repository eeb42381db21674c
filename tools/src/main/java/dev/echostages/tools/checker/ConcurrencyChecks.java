package dev.echostages.tools.checker;

import static dev.echostages.tools.checker.CheckContext.millis;
import static dev.echostages.tools.checker.CheckContext.seconds;

import dev.echostages.tools.demo.TwoClientScenario;
import dev.echostages.tools.demo.TwoClientScenario.BServed;
import java.io.IOException;
import java.time.Duration;

/**
 * Stages 2 and 3: the two-client scenario of the demo. A connects and stays silent (for one
 * second, times {@code --slow}), B connects and sends a line; then A speaks twice, then leaves.
 * When does B get its echo?
 */
final class ConcurrencyChecks {
    private ConcurrencyChecks() {
    }

    /** 2.1: B is echoed at all while A is still connected (A may have to speak first). */
    static Outcome secondClientIsServed(CheckContext context) throws IOException, InterruptedException {
        TwoClientScenario.Result result = context.twoClients();
        String waited = result.bWaited().map(CheckContext::seconds).orElse("");
        return switch (result.bServed()) {
            case WHILE_A_WAS_SILENT, AFTER_A_FIRST_LINE, AFTER_A_SECOND_LINE ->
                    Outcome.pass("B was echoed after " + waited + ", while A was still connected");
            case AFTER_A_LEFT -> Outcome.fail("B's line came back after " + waited + ", only once A had left:"
                    + " the server serves one client at a time, and everyone else waits in the accept queue"
                    + " (stage 1's problem; stage 2 gives each client a thread of its own).");
            case NEVER -> Outcome.fail("B never got its line back, not even after A left: while one client is"
                    + " connected the server serves nobody else (stage 1's problem; stage 2 serves each client on its own).");
        };
    }

    /** 3.1: B is echoed within 200 ms (times {@code --slow}) while A stays silent throughout. */
    static Outcome silentClientDelaysNobody(CheckContext context) throws IOException, InterruptedException {
        TwoClientScenario.Result result = context.twoClients();
        Duration limit = context.limit(Duration.ofMillis(200));
        if (result.bServed() == BServed.WHILE_A_WAS_SILENT) {
            Duration waited = result.bWaited().orElseThrow();
            return waited.compareTo(limit) <= 0
                    ? Outcome.pass("B was echoed after " + millis(waited) + " while A stayed silent")
                    : Outcome.fail("B was echoed while A was silent, but only after " + millis(waited) + " (limit "
                            + millis(limit) + "): the server is slow to notice a client with data.");
        }
        String waited = result.bWaited().map(CheckContext::seconds).orElse("");
        return Outcome.fail(switch (result.bServed()) {
            case AFTER_A_FIRST_LINE -> "B's line came back after " + waited + ", only when A spoke:";
            case AFTER_A_SECOND_LINE -> "B's line came back after " + waited + ", only after A's second line:";
            case AFTER_A_LEFT -> "B's line came back after " + waited + ", only once A had left:";
            default -> "B's line never came back while A was silent (" + seconds(Duration.ofSeconds(1)) + " and more):";
        } + " one client's read blocks everyone (stage 2's problem; stage 3's non-blocking sockets fix it).");
    }
}
