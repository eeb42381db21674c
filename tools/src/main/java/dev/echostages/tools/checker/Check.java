package dev.echostages.tools.checker;

import java.util.Arrays;
import java.util.List;

/**
 * The checks, numbered by the stage that teaches them: 1.1 is stage 1's first lesson. A server
 * that passes every check of stages 1 to N behaves, as seen from outside, like stage N.
 * The numbers are part of the interface: scripts and the README table name checks by them.
 */
public enum Check {
    LINES_BYTE_EXACT("1.1", 1, "byte-exact lines", "lines come back byte-exact, one echo per line", WireChecks::linesComeBackByteExact),
    HALF_CLOSE("1.2", 1, "half-close", "after a half-close: the echoes owed, then the server closes", WireChecks::halfCloseEndsTheConnection),
    SECOND_CLIENT("2.1", 2, "a second client", "a second client is served while the first is connected", ConcurrencyChecks::secondClientIsServed),
    SILENT_CLIENT("3.1", 3, "a silent client", "a silent client delays nobody (B echoed within 200 ms)", ConcurrencyChecks::silentClientDelaysNobody),
    IDLE_CPU("4.1", 4, "idle CPU", "idle connections, and closed ones, cost no CPU", ResourceChecks::idleConnectionsCostNoCpu),
    NON_READER("4.2", 4, "a client that never reads", "a client that reads nothing is not read without bound", ResourceChecks::clientThatReadsNothingIsThrottled),
    BOOM("5.1", 5, "boom", "a failing handler ends its own client only", FailureChecks::boomEndsOneClientOnly),
    SIGTERM("5.2", 5, "SIGTERM", "SIGTERM: the echo in flight arrives, then exit 0", FailureChecks::sigtermFinishesTheEchoInFlight);

    /** One check's code: it talks to the server through the context and says what it found. */
    @FunctionalInterface
    interface Body {
        Outcome run(CheckContext context) throws Exception;
    }

    /** What each stage teaches, as the report's section titles say it. */
    static final List<String> STAGE_TITLES = List.of(
            "one client: bytes on the wire",
            "two clients",
            "a silent client",
            "idle connections, and a client that reads nothing",
            "a failing client, and stopping");

    public static final int LAST_STAGE = 5;

    private final String id;
    private final int stage;
    private final String shortName;
    private final String title;
    private final Body body;

    Check(String id, int stage, String shortName, String title, Body body) {
        this.id = id;
        this.stage = stage;
        this.shortName = shortName;
        this.title = title;
        this.body = body;
    }

    public String id() {
        return id;
    }

    public int stage() {
        return stage;
    }

    /** A few words, for a table's legend. */
    public String shortName() {
        return shortName;
    }

    public String title() {
        return title;
    }

    Outcome run(CheckContext context) throws Exception {
        return body.run(context);
    }

    /** The checks of stages 1 to {@code lastStage}, in order. */
    public static List<Check> upToStage(int lastStage) {
        return Arrays.stream(values()).filter(check -> check.stage <= lastStage).toList();
    }

    public static Check byId(String id) {
        return Arrays.stream(values()).filter(check -> check.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no check " + id));
    }
}
