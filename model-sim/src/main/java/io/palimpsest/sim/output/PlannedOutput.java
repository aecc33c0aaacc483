package io.palimpsest.sim.output;

import io.palimpsest.sim.engine.FinishReason;
import java.util.List;

/**
 * What a request will produce, decided before it is queued: the tokens, how the output ends,
 * and the stop string that ended it (vLLM's {@code stop_reason}), if any.
 */
public record PlannedOutput(List<String> pieces, FinishReason finishReason, String stopReason) {
    public PlannedOutput {
        pieces = List.copyOf(pieces);
    }

    public String text() {
        return String.join("", pieces);
    }
}
