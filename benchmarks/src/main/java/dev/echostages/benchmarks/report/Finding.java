package dev.echostages.benchmarks.report;

/**
 * One sentence the report draws from the numbers, computed before anything is rendered.
 *
 * @param topic where the report prints it (a section, and a placement where it has one)
 * @param verdict whether a target was met or missed, or none when the sentence only states a fact
 * @param comparison whether it compares servers' code, which a run too short to warm up the JITs cannot support
 * @param key whether it belongs in the closing list of findings
 */
record Finding(String topic, String text, Verdict verdict, boolean comparison, boolean key) {
    enum Verdict { MET, MISSED, NONE }

    static Finding fact(String topic, String text, boolean comparison, boolean key) {
        return new Finding(topic, text, Verdict.NONE, comparison, key);
    }

    /** A target met or missed, in a comparison of servers' code. */
    static Finding target(String topic, String text, boolean met) {
        return new Finding(topic, text, met ? Verdict.MET : Verdict.MISSED, true, true);
    }

    /** The sentence as printed: a target says whether it was met, and a comparison the run cannot support says so first. */
    String render(boolean comparable) {
        String mark = switch (verdict) {
            case MET -> "**Met:** ";
            case MISSED -> "**Missed:** ";
            case NONE -> "";
        };
        return (comparison && !comparable ? "_(not supported: warm-up too short)_ " : "") + mark + text;
    }
}
