package io.palimpsest.worker.recipe.validate;

/** A failed check: the reason code (the validator's type) and a human explanation. */
public record Rejection(String reason, String detail) {
}
