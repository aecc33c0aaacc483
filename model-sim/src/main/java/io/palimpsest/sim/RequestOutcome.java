package io.palimpsest.sim;

import java.util.Optional;

/**
 * How the simulator answered one logged request.
 *
 * @param status           HTTP status sent, or 0 when nothing was sent (reset, hang, dropped)
 * @param fault            the fault injected into it, if any
 * @param finishReason     "stop", "length" or "abort" for generated answers, else null
 * @param text             the generated text (for streams: all of it), else null
 * @param promptTokens     prompt tokens counted, 0 if it never got that far
 * @param completionTokens generated tokens
 */
public record RequestOutcome(
        int status, Optional<Fault> fault, String finishReason, String text, int promptTokens, int completionTokens) {

    /** An answer with no generated text: an error, or a non-completion endpoint. */
    public static RequestOutcome statusOnly(int status, Fault fault) {
        return new RequestOutcome(status, Optional.ofNullable(fault), null, null, 0, 0);
    }

    public static RequestOutcome noResponse(Fault fault) {
        return new RequestOutcome(0, Optional.ofNullable(fault), null, null, 0, 0);
    }
}
