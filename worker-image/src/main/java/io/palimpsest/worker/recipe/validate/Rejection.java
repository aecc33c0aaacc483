package io.palimpsest.worker.recipe.validate;

/**
 * A failed check: the reason code (the validator's type) and a human explanation.
 *
 * @param measured the value the check measured (echo similarity, length ratio, repeated share,
 *                 judge score, completion tokens), when it measures one; null otherwise
 * @param limit    the bound it was compared with, when there is one
 */
public record Rejection(String reason, String detail, Double measured, Double limit) {
    public Rejection(String reason, String detail) {
        this(reason, detail, null, null);
    }
}
