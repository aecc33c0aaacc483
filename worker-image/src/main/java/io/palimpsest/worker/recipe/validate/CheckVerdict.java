package io.palimpsest.worker.recipe.validate;

/**
 * One validator's answer on one output, for reports (preview): whether it passed, the value it
 * measured and the bounds it compares that value with. Never decides anything: the decision is the
 * {@link Verdict}; this only shows why.
 *
 * @param check    the validator's reason code: lengthRatio, echo, judge, ...
 * @param status   {@link #PASS}, {@link #FAIL}, or {@link #NOT_RUN} (an earlier check already rejected the output)
 * @param measured the measured value (ratio, share, score, tokens), null when the check measures no number
 * @param min      the lowest passing value, when there is one
 * @param max      the highest passing value (or the threshold a value must stay under), when there is one
 * @param detail   the rejection's explanation, when it failed; when it passed, what the check found that a
 *                 number does not say (the language found, both shares of facts, no refusal phrase), or null
 */
public record CheckVerdict(String check, String status, Double measured, Double min, Double max, String detail) {
    public static final String PASS = "pass";
    public static final String FAIL = "fail";
    public static final String NOT_RUN = "not_run";
}
