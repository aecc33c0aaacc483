package io.palimpsest.worker.run;

import io.palimpsest.worker.format.ItemReason;

/**
 * Why a document (or one variant of it) produced no output: a reason from the catalogue (which says
 * whether that counts as rejected or skipped) and a human-readable detail. {@code variant} is null for
 * the whole document; {@code output} is the unusable model output, when there was one, for inspection, and
 * {@code madeFromWords} the words of the text it was made from (its chunk, the chunks it joins, or the document;
 * null without a model output): what its length ratio is taken against. The rejects file keeps the output and that
 * count, not the text it was made from.
 */
public record Rejection(String variant, ItemReason reason, String detail, String output, Integer madeFromWords) {

    public Rejection(String variant, ItemReason reason, String detail, String output) {
        this(variant, reason, detail, output, null);
    }

    public static Rejection of(ItemReason reason, String detail) {
        return new Rejection(null, reason, detail, null);
    }

    public ItemReason.Outcome outcome() {
        return reason.outcome();
    }
}
