package io.palimpsest.worker.validate;

/**
 * One input record: a source and its rewrite, with what is known about the call that made it.
 *
 * @param line    1-based line in the input file
 * @param problem why the record could not be read as a pair (then source and output are null)
 */
public record Pair(
        long line,
        String id,
        String source,
        String output,
        String finishReason,
        Integer completionTokens,
        Integer maxTokens,
        String variant,
        String label,
        String problem) {

    static Pair unreadable(long line, String problem) {
        return new Pair(line, null, null, null, null, null, null, null, null, problem);
    }

    public boolean readable() {
        return problem == null;
    }

    /** Characters held, to bound how much text is in flight at once. */
    int weight() {
        return (source == null ? 0 : source.length()) + (output == null ? 0 : output.length()) + 64;
    }
}
