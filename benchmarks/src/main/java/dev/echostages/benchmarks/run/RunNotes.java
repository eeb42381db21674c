package dev.echostages.benchmarks.run;

import java.util.List;

/**
 * What the report needs to know about a run that JMH's JSON does not say: the mode and its
 * settings, which placements ran and why, where CPU time came from, the outside servers, every
 * trial the plans asked for, and the trials that failed with JMH's reason.
 */
public record RunNotes(String mode, double warmupSeconds, List<String> placementsRun, String whyOnlyUnpinned,
        String cpuSource, List<OutsideServer> outsideServers, List<Trial> planned, List<FailedTrial> failed,
        String gridCuts, String duration) {

    /** Seconds of warm-up after which the servers' JITs have settled on this machine. */
    public static final double SETTLED_SECONDS = 3;

    /** An outside server and, when it could not be measured, why. */
    public record OutsideServer(String name, String command, String failure) {
    }

    /** One trial a plan asked for: a benchmark, a server, a size (N or K) and a placement. */
    public record Trial(String benchmark, String server, int size, String placement) {
    }

    /** A planned trial that produced no result, and the first line of what JMH or the server said. */
    public record FailedTrial(Trial trial, String reason) {
    }

    /**
     * Whether the warm-up gave the servers' JITs time to settle: Netty's echo path reached its
     * steady state in its third warm-up second on this machine, so a run with less than three
     * seconds of warm-up cannot tell one server's code from another's, only that each works.
     */
    public boolean warmEnoughToCompare() {
        return warmupSeconds >= SETTLED_SECONDS;
    }


    public List<OutsideServer> outsideServers() {
        return outsideServers == null ? List.of() : outsideServers;
    }

    public List<Trial> planned() {
        return planned == null ? List.of() : planned;
    }

    public List<FailedTrial> failed() {
        return failed == null ? List.of() : failed;
    }
}
