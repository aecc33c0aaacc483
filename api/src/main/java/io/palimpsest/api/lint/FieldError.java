package io.palimpsest.api.lint;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One thing wrong with a manifest: the field path (e.g. {@code spec.recipe.prompts[0].sampling.temprature})
 * and what is wrong there. The schema check, the linter and the operator's own spec rules all say it
 * this way, so an error reads alike from {@code palimpsest lint}, {@code local} and a resource's status.
 */
public record FieldError(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }

    /** Several errors on one line, as a status message or a refusal shows them. */
    public static String describe(List<FieldError> errors) {
        return errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
    }
}
