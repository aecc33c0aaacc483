package io.palimpsest.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.palimpsest.api.common.Conditions;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the Kubernetes API conventions ask of a status's conditions (metav1.Condition), checked alike for both kinds:
 * a status of True, False or Unknown; a CamelCase reason, as metav1.Condition's OpenAPI pattern takes it (Events'
 * reasons follow the same habit); the generation each describes; a lastTransitionTime and a message.
 */
public final class ConditionConventions {

    private static final Pattern REASON = Pattern.compile("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$");

    private ConditionConventions() {}

    /** A reason as metav1.Condition's pattern takes it: set, CamelCase. */
    public static boolean camelCase(String reason) {
        return reason != null && REASON.matcher(reason).matches();
    }

    /** The status's observedGeneration and each condition's are {@code generation}; each condition is well formed. */
    public static void assertConventions(Long generation, Long observedGeneration, List<Condition> conditions) {
        assertEquals(generation, observedGeneration, "status.observedGeneration");
        assertFalse(conditions.isEmpty(), "no condition");
        for (Condition c : conditions) {
            String what = c.getType() + " " + c.getStatus() + " " + c.getReason();
            assertTrue(
                    List.of(Conditions.TRUE, Conditions.FALSE, Conditions.UNKNOWN)
                            .contains(c.getStatus()),
                    what);
            assertTrue(camelCase(c.getReason()), "reason of " + what);
            assertEquals(generation, c.getObservedGeneration(), "observedGeneration of " + what);
            assertTrue(
                    c.getLastTransitionTime() != null
                            && !c.getLastTransitionTime().isEmpty(),
                    what);
            assertTrue(c.getMessage() != null, what);
        }
    }
}
