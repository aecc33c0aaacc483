package io.palimpsest.worker.recipe.validate;

import java.util.Map;

/**
 * One (source, output) pair to judge, with what the call reported when there was a call.
 *
 * @param finishReason     null when unknown (offline validation of an existing dataset)
 * @param completionTokens null when unknown
 * @param maxTokens        the cap the call ran under, null when unknown
 * @param templateVars     what a judge prompt may use besides source and output (meta, params...)
 */
public record ValidationSubject(
        String source,
        String output,
        String finishReason,
        Integer completionTokens,
        Integer maxTokens,
        Map<String, Object> templateVars) {
    public ValidationSubject {
        templateVars = templateVars == null ? Map.of() : templateVars;
    }

    /** A pair without call details, as `palimpsest validate` reads them from files. */
    public static ValidationSubject offline(String source, String output) {
        return new ValidationSubject(source, output, null, null, null, Map.of());
    }
}
