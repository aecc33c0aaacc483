package io.palimpsest.worker.recipe.validate;

import java.util.Optional;

/**
 * The outcome of all validators on one output.
 *
 * @param judgeScore the last judge's score, when a judge ran (kept in provenance)
 */
public record Verdict(Optional<CheckFailure> rejection, Double judgeScore) {
    public static final Verdict PASS = new Verdict(Optional.empty(), null);

    public boolean passed() {
        return rejection.isEmpty();
    }
}
