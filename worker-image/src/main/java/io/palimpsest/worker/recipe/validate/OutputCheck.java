package io.palimpsest.worker.recipe.validate;

import java.util.Optional;

/** A validator that needs no model: a pure function of the subject. */
@FunctionalInterface
public interface OutputCheck {
    Optional<Rejection> check(ValidationSubject subject);
}
