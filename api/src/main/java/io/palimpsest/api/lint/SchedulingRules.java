package io.palimpsest.api.lint;

import io.fabric8.kubernetes.api.model.Toleration;
import io.palimpsest.api.common.Scheduling;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The API server's rules on tolerations (Kubernetes' ValidateTolerations), which the CRDs copy the
 * type of but not the rules: a RewriterModel's {@code spec.scheduling} and a RewriteJob's
 * {@code spec.workers.scheduling} are stored as written, and the Deployment or Job made from them is
 * then refused (422). Checked where manifests are read (the linter, so {@code palimpsest lint} and
 * {@code local}) and by the operator before it makes anything, with the same field and message, so
 * such a spec is refused once, on its field, as an invalid spec.
 */
public final class SchedulingRules {
    private static final Set<String> OPERATORS = Set.of("Equal", "Exists");
    private static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    private SchedulingRules() {}

    /** Every violation under {@code field} (e.g. {@code spec.scheduling}); empty when it passes. */
    public static List<FieldError> check(Scheduling scheduling, String field) {
        List<FieldError> out = new ArrayList<>();
        if (scheduling == null || scheduling.getTolerations() == null) {
            return out;
        }
        List<Toleration> tolerations = scheduling.getTolerations();
        for (int i = 0; i < tolerations.size(); i++) {
            Toleration t = tolerations.get(i);
            if (t == null) {
                continue;
            }
            String at = field + ".tolerations[" + i + "]";
            String operator = blankToNull(t.getOperator());
            String key = blankToNull(t.getKey());
            String effect = blankToNull(t.getEffect());
            if (operator != null && !OPERATORS.contains(operator)) {
                out.add(new FieldError(
                        at + ".operator",
                        "Unsupported value: \"" + operator + "\": supported values: \"Equal\", \"Exists\""));
            } else if (key == null && !"Exists".equals(operator)) {
                out.add(
                        new FieldError(
                                at + ".operator",
                                "Invalid value: \"" + (operator == null ? "" : operator)
                                        + "\": operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            } else if ("Exists".equals(operator) && blankToNull(t.getValue()) != null) {
                out.add(new FieldError(
                        at + ".value",
                        "Invalid value: \"" + t.getValue() + "\": value must be empty when `operator` is 'Exists'"));
            }
            if (effect != null && !EFFECTS.contains(effect)) {
                out.add(new FieldError(
                        at + ".effect",
                        "Unsupported value: \"" + effect
                                + "\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\""));
            }
            if (t.getTolerationSeconds() != null && !"NoExecute".equals(effect)) {
                out.add(new FieldError(
                        at + ".effect",
                        "Invalid value: \"" + (effect == null ? "" : effect)
                                + "\": effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }
        }
        return out;
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
