package io.palimpsest.worker.run;

import io.palimpsest.worker.format.ItemReason;
import java.util.List;

/**
 * What processing made of one input item: output records (one per variant produced) and
 * rejections (one per variant or for the whole item), plus the tokens it cost.
 */
public record ProcessedDocument(
        List<VariantRecord> outputs, List<Rejection> rejections, long promptTokens, long completionTokens) {

    public static ProcessedDocument rejected(
            ItemReason reason, String detail, long promptTokens, long completionTokens) {
        return new ProcessedDocument(List.of(), List.of(Rejection.of(reason, detail)), promptTokens, completionTokens);
    }

    /** A document counts as written when any variant produced output; otherwise by its first rejection. */
    public ItemReason.Outcome outcomeOrNullIfWritten() {
        if (!outputs.isEmpty()) {
            return null;
        }
        return rejections.isEmpty()
                ? ItemReason.Outcome.REJECTED
                : rejections.get(0).outcome();
    }

    /** The reason a document that produced nothing is counted under: its first rejection's, else {@link ItemReason#NO_OUTPUT}. */
    public ItemReason reasonIfNotWritten() {
        return rejections.isEmpty() ? ItemReason.NO_OUTPUT : rejections.get(0).reason();
    }
}
