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
 * The checks one pair goes through: the recipe engine's {@link Validators} (every failing one, via
 * {@link Validators#checkAllLocal}; {@code palimpsest run} stops at the first) and the residue
 * checks of the recipe's cleaning steps. A verdict lists every reason once: a repetition loop that
 * also ran into the cap counts for both.
 */
public final class QualityGates {

    /** A check beside the validators; the name is the reason code it reports. */
    public record Gate(String name, Function<ValidationSubject, Optional<Rejection>> check) {
    }

    private final Validators validators;
    private final List<String> validatorNames;
    private final List<Gate> residues;

    /**
     * @param validatorNames the reason codes {@code validators} can report, in order, for the report
     */
    public QualityGates(Validators validators, List<String> validatorNames, List<Gate> residues) {
        this.validators = validators;
        this.validatorNames = List.copyOf(validatorNames);
        this.residues = List.copyOf(residues);
    }

    public List<String> names() {
        List<String> all = new ArrayList<>(validatorNames);
        residues.forEach(g -> all.add(g.name()));
        return all.stream().distinct().toList();
    }

    /** Every rejection, one per reason code; empty when the pair is accepted. */
    public List<Rejection> evaluate(ValidationSubject subject) {
        List<Rejection> found = validators.checkAllLocal(subject);
        if (found.size() == 1 && Validators.EMPTY.equals(found.get(0).reason())) {
            return found; // nothing else is meaningful on no text
        }
        Map<String, Rejection> byReason = new LinkedHashMap<>();
        found.forEach(r -> byReason.putIfAbsent(r.reason(), r));
        for (Gate gate : residues) {
            gate.check().apply(subject).ifPresent(r -> byReason.putIfAbsent(r.reason(), r));
        }
        return byReason.isEmpty() ? List.of() : new ArrayList<>(byReason.values());
    }
}
