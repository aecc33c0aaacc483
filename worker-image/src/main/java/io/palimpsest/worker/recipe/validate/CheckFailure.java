package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;

/**
 * A failed check: the reason (the validator's type, or empty_output) and a human explanation. Not a
 * document's reject ({@code run.Rejection}): the engine turns the first failure of an output into one.
 *
 * @param measured the value the check measured (echo similarity, length ratio, repeated share,
 *                 judge score, completion tokens), when it measures one; null otherwise
 * @param limit    the bound it was compared with, when there is one
 */
public record CheckFailure(ItemReason reason, String detail, Double measured, Double limit) {
    public CheckFailure(ItemReason reason, String detail) {
        this(reason, detail, null, null);
    }
}
