package io.palimpsest.sim.output;

import io.palimpsest.sim.engine.FinishReason;
import io.palimpsest.sim.text.Tokenizer;
import java.util.List;

/**
 * Applies what the request asked for to the text the model "wants" to say: generation stops
 * before the first stop string (finish "stop") or after {@code maxTokens} tokens (finish
 * "length"), whichever comes first, as vLLM's stop checks do token by token.
 */
public final class OutputLimiter {
    private OutputLimiter() {}

    /**
     * @param intrinsic how the text ends if nothing cuts it (LENGTH for degenerate loops)
     */
    public static PlannedOutput limit(String text, FinishReason intrinsic, List<String> stops, int maxTokens) {
        int cut = -1;
        String matched = null;
        for (String stop : stops) {
            if (stop.isEmpty()) {
                continue;
            }
            int at = text.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
                matched = stop;
            }
        }
        FinishReason reason = intrinsic;
        if (cut >= 0) {
            text = text.substring(0, cut);
            reason = FinishReason.STOP;
        }
        List<String> pieces = Tokenizer.pieces(text);
        if (pieces.size() > maxTokens) {
            return new PlannedOutput(Tokenizer.leading(text, maxTokens), FinishReason.LENGTH, null);
        }
        return new PlannedOutput(pieces, reason, matched);
    }
}
