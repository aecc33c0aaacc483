package io.palimpsest.worker.validate;

import io.palimpsest.worker.recipe.validate.Rejection;
import io.palimpsest.worker.recipe.validate.ValidationSubject;
import io.palimpsest.worker.recipe.validate.Validators;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The checks one pair goes through. Unlike {@code palimpsest run}, which stops at the first failed
 * validator (one reason is enough to reject), an audit runs every gate so each verdict lists every
 * reason: a repetition loop that also ran into the cap should count for both.
 */
public final class QualityGates {

    /** A named check; the name is the reason code it reports. */
    public record Gate(String name, Function<ValidationSubject, Optional<Rejection>> check) {
    }

    private static final Validators EMPTY_ONLY = Validators.none();

    private final List<Gate> gates;

    public QualityGates(List<Gate> gates) {
        this.gates = List.copyOf(gates);
    }

    public List<String> names() {
        return gates.stream().map(Gate::name).distinct().toList();
    }

    /** Every rejection, one per reason code, in gate order; empty when the pair is accepted. */
    public List<Rejection> evaluate(ValidationSubject subject) {
        // The engine's own empty-output rule; nothing else is meaningful on no text.
        Optional<Rejection> empty = EMPTY_ONLY.checkLocal(subject);
        if (empty.isPresent()) {
            return List.of(empty.get());
        }
        Map<String, Rejection> byReason = new LinkedHashMap<>();
        for (Gate gate : gates) {
            gate.check().apply(subject).ifPresent(r -> byReason.putIfAbsent(r.reason(), r));
        }
        return byReason.isEmpty() ? List.of() : new ArrayList<>(byReason.values());
    }
}
