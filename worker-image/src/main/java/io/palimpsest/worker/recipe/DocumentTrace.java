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

    /**
     * One call: {@code purpose} is the request's ("variant:wiki", "stage:pairs", "judge:variant wiki");
     * {@code startNanos} and {@code endNanos} ({@link System#nanoTime}) when it was sent and answered.
     * A call the server refused for good (a 4xx such as a prompt over the context length) has a
     * {@code refusal} and an empty reply: no text and no tokens, as the server reported none.
     */
    public record Call(
            String purpose, ModelRequest request, ModelReply reply, long startNanos, long endNanos, Refusal refusal) {
        public Call(String purpose, ModelRequest request, ModelReply reply, long startNanos, long endNanos) {
            this(purpose, request, reply, startNanos, endNanos, null);
        }

        public Call(String purpose, ModelRequest request, ModelReply reply) {
            this(purpose, request, reply, 0, 0);
        }

        public boolean refused() {
            return refusal != null;
        }
    }

    /**
     * The server's refusal of one call.
     *
     * @param status  the HTTP status it answered (0 when not known)
     * @param message what it said
     */
    public record Refusal(int status, String message) {}

    /** The empty reply a refused call stands with: no text, no tokens. */
    static final ModelReply NO_REPLY = new ModelReply("", null, 0, 0);

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
    private final long started = System.nanoTime();
    private long finished;

    synchronized void call(ModelRequest request, ModelReply reply, long startNanos, long endNanos) {
        calls.add(new Call(request.purpose(), request, reply, startNanos, endNanos));
    }

    synchronized void refused(ModelRequest request, ModelCallRejected refusal, long startNanos, long endNanos) {
        calls.add(new Call(
                request.purpose(),
                request,
                NO_REPLY,
                startNanos,
                endNanos,
                new Refusal(refusal.status(), refusal.serverMessage())));
    }

    /** Marks the document done: its time from this trace's creation is now known. */
    public synchronized void finish() {
        if (finished == 0) {
            finished = System.nanoTime();
        }
    }

    /**
     * The document's own time, in seconds: from this trace's creation to {@link #finish}, less the time
     * one of its calls was out (sent and not yet answered); null before {@link #finish}.
     */
    public synchronized Double ownSeconds() {
        if (finished == 0) {
            return null;
        }
        List<Call> sorted = new ArrayList<>(calls);
        sorted.sort(java.util.Comparator.comparingLong(Call::startNanos));
        long waited = 0;
        long from = 0;
        long to = 0;
        boolean open = false;
        for (Call c : sorted) {
            if (open && c.startNanos() <= to) {
                to = Math.max(to, c.endNanos());
                continue;
            }
            if (open) {
                waited += to - from;
            }
            from = c.startNanos();
            to = c.endNanos();
            open = true;
        }
        if (open) {
            waited += to - from;
        }
        return Math.max(0, finished - started - waited) / 1e9;
    }

    /**
     * The most completion tokens over one chain of this document's calls made one after another (each
     * sent after the one before it was answered, as an autoregressive chunk waits for the previous, a
     * judge for its output, a variant for its stage): what decodes in sequence for this document.
     */
    public synchronized long longestChainTokens() {
        List<Call> sorted = new ArrayList<>(calls);
        sorted.sort(java.util.Comparator.comparingLong(Call::startNanos));
        long[] best = new long[sorted.size()];
        long longest = 0;
        for (int j = 0; j < sorted.size(); j++) {
            long before = 0;
            for (int i = 0; i < j; i++) {
                if (sorted.get(i).endNanos() <= sorted.get(j).startNanos()) {
                    before = Math.max(before, best[i]);
                }
            }
            best[j] = before + sorted.get(j).reply().completionTokens();
            longest = Math.max(longest, best[j]);
        }
        return longest;
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
