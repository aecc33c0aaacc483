package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;
import java.util.Optional;

/** A validator that needs no model: a pure function of the subject. */
public interface OutputCheck {
    Optional<CheckFailure> check(ValidationSubject subject);

    /** The value this check looks at, with its bounds, for reports; null when it measures no number. Never decides. */
    default Measure measure(ValidationSubject subject) {
        return null;
    }

    /** The reason its failures carry, and the name reports show for it. */
    ItemReason reason();
}
