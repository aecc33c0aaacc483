package io.palimpsest.worker.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.api.worker.VariantCounts;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.util.Objects;

/**
 * Sums every receipt under the output root: the authoritative totals of a job, for when the
 * operator could not read every worker pod's summary (finished pods are garbage-collected).
 * Receipts written under another recipe (a reused output prefix) are counted apart, not summed.
 */
public final class ReceiptTally {
    static final String RECEIPTS_PREFIX = "_palimpsest/receipts/";

    private final ObjectMapper json;

    public ReceiptTally(ObjectMapper json) {
        this.json = json;
    }

    public Tally sum(Storage output, String recipeHash) throws IOException {
        Tally tally = new Tally();
        tally.setRecipeHash(recipeHash);
        long foreign = 0;
        for (StoredObject object : output.list(RECEIPTS_PREFIX)) {
            if (!object.key().endsWith(".json")) {
                continue;
            }
            Receipt receipt = json.readValue(output.readAll(object.key()), Receipt.class);
            if (recipeHash != null && !Objects.equals(recipeHash, receipt.recipeHash())) {
                foreign++;
                continue;
            }
            ItemCounts counts = receipt.counts();
            tally.setReceipts(tally.getReceipts() + 1);
            tally.setRead(tally.getRead() + counts.read);
            tally.setWritten(tally.getWritten() + counts.written);
            tally.setRejected(tally.getRejected() + counts.rejected);
            tally.setSkipped(tally.getSkipped() + counts.skipped);
            tally.setWrittenByVariant(VariantCounts.merge(tally.getWrittenByVariant(), counts.variants));
            tally.setRejectedByReason(VariantCounts.merge(tally.getRejectedByReason(), counts.reasons));
            tally.setPromptTokens(tally.getPromptTokens() + counts.promptTokens);
            tally.setCompletionTokens(tally.getCompletionTokens() + counts.completionTokens);
        }
        if (foreign > 0) {
            tally.setForeignReceipts(foreign);
        }
        return tally;
    }
}
