package io.palimpsest.worker.run;

import io.palimpsest.worker.format.ItemReason;

/** Why a document (or one variant of it) produced no output. {@code variant} is null when it applies to the whole document. */
public record Rejection(String variant, ItemReason reason, String detail) {
}
