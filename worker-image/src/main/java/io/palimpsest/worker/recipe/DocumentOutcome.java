package io.palimpsest.worker.recipe;

import io.palimpsest.worker.format.ItemReason;
import java.util.List;

/** Everything the recipe produced for one document. */
public record DocumentOutcome(
        String sourceId, List<OutputRecord> outputs, List<RejectRecord> rejects, CallUsage usage) {
    public DocumentOutcome {
        outputs = List.copyOf(outputs);
        rejects = List.copyOf(rejects);
    }

    /** True when the document produced nothing and was skipped on purpose. */
    public boolean skipped() {
        return outputs.isEmpty()
                && !rejects.isEmpty()
                && rejects.stream().allMatch(r -> r.outcome() == ItemReason.Outcome.SKIPPED);
    }
}
