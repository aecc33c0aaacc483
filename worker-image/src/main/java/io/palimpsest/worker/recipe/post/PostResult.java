package io.palimpsest.worker.recipe.post;

import io.palimpsest.worker.format.ItemReason;

/** A cleaned reply, or the reason it could not be cleaned (missing_sentinel, no_code). */
public record PostResult(String text, ItemReason failure, String detail) {
    public static PostResult ok(String text) {
        return new PostResult(text, null, null);
    }

    public static PostResult failed(ItemReason reason, String detail) {
        return new PostResult(null, reason, detail);
    }

    public boolean ok() {
        return failure == null;
    }
}
