package io.palimpsest.worker.validate;

import io.palimpsest.worker.recipe.validate.ValidationSubject;
import java.util.List;
import java.util.Map;

/** Runs a pair through the gates that apply to it. Stateless, so any number of threads may share one. */
public final class PairJudge {
    private final RecipeGates gates;

    public PairJudge(RecipeGates gates) {
        this.gates = gates;
    }

    public PairVerdict judge(Pair pair) {
        if (!pair.readable()) {
            return new PairVerdict(pair.line(), null, null, List.of(), pair.problem());
        }
        ValidationSubject subject = new ValidationSubject(
                pair.source(), pair.output(), pair.finishReason(), pair.completionTokens(), pair.maxTokens(), Map.of());
        try {
            return new PairVerdict(
                    pair.line(),
                    pair.id(),
                    pair.label(),
                    gates.forVariant(pair.variant()).evaluate(subject),
                    null);
        } catch (RuntimeException e) {
            // One pathological record must not end an audit of millions; it is reported, not judged.
            return new PairVerdict(pair.line(), pair.id(), pair.label(), List.of(), "a validator failed: " + e);
        }
    }
}
