package io.palimpsest.worker.recipe;

import io.palimpsest.worker.client.ModelReply;
import io.palimpsest.worker.recipe.validate.CheckVerdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the engine did for one document, step by step, for a preview: every model call with its
 * rendered request and reply, and every validation with each validator's measured value. Collected
 * only when asked ({@link RecipeEngine#process(SourceDocument, DocumentTrace)}); a campaign passes
 * none and pays nothing for it. Calls of one document may come back on several threads at once.
 */
public final class DocumentTrace {

    /** One call: {@code purpose} is the request's ("variant:wiki", "stage:pairs", "judge:variant wiki"). */
    public record Call(String purpose, ModelRequest request, ModelReply reply) {}

    /**
     * The validators' answers on one output.
     *
     * @param owner   "variant:&lt;name&gt;" or "stage:&lt;name&gt;"
     * @param chunkId the chunk the output was made from
     * @param params  the matrix parameters of the unit (empty without a matrix)
     */
    public record Validation(String owner, String chunkId, Map<String, Object> params, List<CheckVerdict> checks) {}

    private final List<Call> calls = new ArrayList<>();
    private final List<Validation> validations = new ArrayList<>();

    synchronized void call(ModelRequest request, ModelReply reply) {
        calls.add(new Call(request.purpose(), request, reply));
    }

    synchronized void validation(Validation v) {
        validations.add(v);
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    public synchronized List<Validation> validations() {
        return List.copyOf(validations);
    }
}
