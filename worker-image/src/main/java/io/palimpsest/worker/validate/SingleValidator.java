package io.palimpsest.worker.validate;

import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.validate.Rejection;
import io.palimpsest.worker.recipe.validate.ValidationSubject;
import io.palimpsest.worker.recipe.validate.Validators;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One recipe validator on its own, through the engine's {@link Validators}. The engine's entry
 * point stops at the first failure and puts an implicit truncation check in front of any list
 * without one; an audit wants each validator's own answer. So the spec is built together with an
 * explicit truncation spec listed after it (which keeps the implicit one out and cannot mask it),
 * and only a rejection under the spec's own reason code counts.
 */
final class SingleValidator implements Function<ValidationSubject, Optional<Rejection>> {
    private final Validators validators;
    private final String reason;

    SingleValidator(ValidatorSpec spec, PromptRenderer renderer, String owner) {
        this.reason = spec.getType().name();
        List<ValidatorSpec> specs = spec.getType() == ValidatorSpec.Type.truncation ? List.of(spec) : List.of(spec, truncation(0));
        this.validators = Validators.of(specs, Optional.empty(), renderer, owner);
    }

    static ValidatorSpec truncation(int margin) {
        ValidatorSpec s = new ValidatorSpec();
        s.setType(ValidatorSpec.Type.truncation);
        s.setMargin(margin);
        return s;
    }

    String reason() {
        return reason;
    }

    @Override
    public Optional<Rejection> apply(ValidationSubject subject) {
        return validators.checkLocal(subject).filter(r -> r.reason().equals(reason));
    }
}
