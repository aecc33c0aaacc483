package io.palimpsest.worker.run;

import io.palimpsest.worker.format.ItemReason;

/**
 * Why a document (or one variant of it) produced no output: a stable reason code (an
 * {@link ItemReason} code, or a recipe's own such as a validator name), whether that counts as
 * rejected or skipped, and a human-readable detail. {@code variant} is null for the whole document;
 * {@code output} is the unusable model output, when there was one, for inspection.
 */
public record Rejection(String variant, String reason, ItemReason.Outcome outcome, String detail, String output) {

    public static Rejection of(ItemReason reason, String detail) {
        return new Rejection(null, reason.code(), reason.outcome(), detail, null);
    }

    public static Rejection ofVariant(String variant, ItemReason reason, String detail, String output) {
        return new Rejection(variant, reason.code(), reason.outcome(), detail, output);
    }
}
