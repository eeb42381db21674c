package dev.echostages.tools.checker;

/**
 * What one check found: a pass, a failure, or a skip (the check could not run here: no process
 * under {@code --connect}, no signals on Windows). A skip is neither a pass nor a failure.
 * The message says what happened and, for a failure, what it means.
 */
public record Outcome(Status status, String message) {

    public enum Status { PASS, FAIL, SKIP }

    public static Outcome pass(String message) {
        return new Outcome(Status.PASS, message);
    }

    public static Outcome fail(String message) {
        return new Outcome(Status.FAIL, message);
    }

    public static Outcome skip(String reason) {
        return new Outcome(Status.SKIP, reason);
    }
}
