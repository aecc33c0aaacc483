package io.palimpsest.sim.output;

import io.palimpsest.sim.Fault;
import io.palimpsest.sim.engine.FinishReason;
import io.palimpsest.sim.rules.ResponseRules;
import io.palimpsest.sim.rules.TemplateContext;
import io.palimpsest.sim.text.DegenerateOutputs;
import io.palimpsest.sim.text.ForeignSentenceBank;
import io.palimpsest.sim.text.Prompt;
import io.palimpsest.sim.text.Rewriter;
import java.util.List;
import java.util.Optional;

/**
 * Decides the answer text: the first matching response rule, else the rewrite of the document;
 * then an output fault, if one hit, bends it; then stop strings and max_tokens cut it.
 */
public final class OutputPlanner {
    private OutputPlanner() {}

    /**
     * @param hit          the response rule that matched the prompt, if any
     * @param outputFault  a fault of kind {@link Fault.Kind#OUTPUT}, or null
     * @param tokenBudget  max_tokens, or what is left of the context when the request set none
     */
    public static PlannedOutput plan(
            Prompt prompt,
            Optional<ResponseRules.Hit> hit,
            long seed,
            Fault outputFault,
            List<String> stops,
            int tokenBudget) {
        String document = prompt.document();
        String answer = hit.flatMap(h -> h.rule()
                        .response()
                        .map(t -> t.render(
                                new TemplateContext(prompt, h.match(), seed, () -> Rewriter.rewrite(document, seed)))))
                .orElseGet(() -> Rewriter.rewrite(document, seed));
        FinishReason intrinsic = FinishReason.STOP;
        if (outputFault != null) {
            switch (outputFault) {
                case TRUNCATION -> {
                    answer = DegenerateOutputs.truncation(answer);
                    intrinsic = FinishReason.LENGTH;
                }
                case REPETITION -> {
                    answer = DegenerateOutputs.repetition(answer, tokenBudget);
                    intrinsic = FinishReason.LENGTH;
                }
                case REFUSAL -> answer = DegenerateOutputs.refusal(document, seed);
                case PREAMBLE -> answer = DegenerateOutputs.preamble(answer, seed);
                case ECHO -> answer = document;
                case WRONG_LANGUAGE -> answer = ForeignSentenceBank.paragraphFor(document, seed);
                case EMPTY -> answer = "";
                default -> throw new IllegalArgumentException(outputFault + " does not change the output");
            }
        }
        return OutputLimiter.limit(answer, intrinsic, stops, tokenBudget);
    }
}
