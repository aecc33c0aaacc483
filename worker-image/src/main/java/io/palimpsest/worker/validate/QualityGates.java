package io.palimpsest.worker.validate;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.validate.CheckFailure;
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

    /** A check beside the validators, and the reason it reports. */
    public record Gate(ItemReason reason, Function<ValidationSubject, Optional<CheckFailure>> check) {}

    private final Validators validators;
    private final List<ItemReason> validatorReasons;
    private final List<Gate> residues;

    /**
     * @param validatorReasons the reasons {@code validators} can report, in order, for the report
     */
    public QualityGates(Validators validators, List<ItemReason> validatorReasons, List<Gate> residues) {
        this.validators = validators;
        this.validatorReasons = List.copyOf(validatorReasons);
        this.residues = List.copyOf(residues);
    }

    /** The reason codes these gates can report, in order. */
    public List<String> names() {
        List<ItemReason> all = new ArrayList<>(validatorReasons);
        residues.forEach(g -> all.add(g.reason()));
        return all.stream().distinct().map(ItemReason::code).toList();
    }

    /** Every rejection, one per reason code; empty when the pair is accepted. */
    public List<CheckFailure> evaluate(ValidationSubject subject) {
        List<CheckFailure> found = validators.checkAllLocal(subject);
        if (found.size() == 1 && found.get(0).reason() == ItemReason.EMPTY_OUTPUT) {
            return found; // nothing else is meaningful on no text
        }
        Map<ItemReason, CheckFailure> byReason = new LinkedHashMap<>();
        found.forEach(r -> byReason.putIfAbsent(r.reason(), r));
        for (Gate gate : residues) {
            gate.check().apply(subject).ifPresent(r -> byReason.putIfAbsent(r.reason(), r));
        }
        return byReason.isEmpty() ? List.of() : new ArrayList<>(byReason.values());
    }
}
