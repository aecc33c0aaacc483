package io.palimpsest.worker.recipe.validate;

import java.util.Optional;

/** A validator that needs no model: a pure function of the subject. */
@FunctionalInterface
public interface OutputCheck {
    Optional<Rejection> check(ValidationSubject subject);

    /** The value this check looks at, with its bounds, for reports; null when it measures no number. Never decides. */
    default Measure measure(ValidationSubject subject) {
        return null;
    }

    /** The name reports show: the reason code, by convention the class name without "Check" (lengthRatio, echo). */
    default String name() {
        String simple = getClass().getSimpleName().replaceFirst("Check$", "");
        return simple.isEmpty() ? simple : Character.toLowerCase(simple.charAt(0)) + simple.substring(1);
    }
}
