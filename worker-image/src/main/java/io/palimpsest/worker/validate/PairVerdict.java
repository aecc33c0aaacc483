package io.palimpsest.worker.validate;

import io.palimpsest.worker.recipe.validate.CheckFailure;
import java.util.List;

/**
 * The outcome for one input record; it keeps no text, so verdicts stay small however long the pairs.
 *
 * @param rejections every gate that failed, with the value it measured; empty when accepted
 * @param problem    set when the record was not a readable pair (then it is neither accepted nor rejected)
 */
public record PairVerdict(long line, String id, String label, List<CheckFailure> rejections, String problem) {

    public boolean accepted() {
        return problem == null && rejections.isEmpty();
    }

    public boolean readable() {
        return problem == null;
    }
}
