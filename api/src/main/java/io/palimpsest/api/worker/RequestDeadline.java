package io.palimpsest.api.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;

/**
 * The deadline of one model request: {@code spec.workers.requestTimeoutSeconds} when set, else
 * long enough for the longest generation the recipe asks for at a slow per-sequence speed on a
 * loaded server ({@link #FLOOR_SECONDS} + maxTokens / {@link #ASSUMED_TOKENS_PER_SECOND}), so one
 * hung request costs minutes for a short-reply recipe, not a fixed ten.
 */
public final class RequestDeadline {
    /** Queueing and prefill on a busy server, before the first token. */
    public static final int FLOOR_SECONDS = 60;
    /** Decode speed of one sequence in a full batch; real servers do better, so this is generous. */
    public static final int ASSUMED_TOKENS_PER_SECOND = 10;
    /** When no step sets maxTokens, the server may generate up to its context: assume this many. */
    public static final int MAX_TOKENS_WHEN_UNSET = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();

    private RequestDeadline() {}

    /** The deadline for this spec, in seconds. */
    public static int seconds(RewriteJobSpec spec) {
        Integer explicit = spec == null || spec.getWorkers() == null
                ? null
                : spec.getWorkers().getRequestTimeoutSeconds();
        return explicit != null ? explicit : defaultSeconds(spec == null ? null : spec.getRecipe());
    }

    /** {@link #FLOOR_SECONDS} + the largest maxTokens of any call in the recipe / {@link #ASSUMED_TOKENS_PER_SECOND}. */
    public static int defaultSeconds(Recipe recipe) {
        int maxTokens = largestMaxTokens(recipe == null ? null : JSON.valueToTree(recipe));
        return FLOOR_SECONDS + (maxTokens + ASSUMED_TOKENS_PER_SECOND - 1) / ASSUMED_TOKENS_PER_SECOND;
    }

    /** Every sampling block in the recipe (prompts, stages, judges) names maxTokens the same way. */
    private static int largestMaxTokens(JsonNode recipe) {
        if (recipe == null) {
            return MAX_TOKENS_WHEN_UNSET;
        }
        int[] largest = {0};
        recipe.findValues("maxTokens").forEach(v -> largest[0] = Math.max(largest[0], v.asInt(0)));
        return largest[0] > 0 ? largest[0] : MAX_TOKENS_WHEN_UNSET;
    }
}
