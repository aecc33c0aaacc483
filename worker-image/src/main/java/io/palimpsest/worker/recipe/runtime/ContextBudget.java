package io.palimpsest.worker.recipe.runtime;

import io.palimpsest.api.recipe.Chunking;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.recipe.runtime.RecipeCheck.Problem;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateScope;
import io.palimpsest.worker.recipe.token.TokenCounter;
import java.util.ArrayList;
import java.util.List;

/**
 * A chunked variant's full-size request against the model's context ({@code engine.maxModelLen}): the
 * prompt's own tokens (what the server counts, its chat template's tokens included), the previous chunks kept in
 * context, the chunk, and the reply cap
 * ({@code sampling.maxTokens}). The server refuses a request over the context (HTTP 400); the worker holds each
 * request to the context less the reply cap (as to {@code maxInputTokens}), packing chunks smaller and leaving out
 * previous chunks to fit. When the request is over without any chunk text, no chunk fits whatever the document:
 * refused. When only a full chunk takes it over, the chunks come out smaller than {@code chunking.maxTokens} (and
 * fewer previous chunks travel), and the local count is an estimate of the server's: a warning, told by
 * {@code lint}, {@code local}, {@code plan}, {@code preview} and on a cluster alike.
 */
final class ContextBudget {
    private ContextBudget() {}

    /** What the check found: problems refuse the job, warnings are told. */
    record Found(List<Problem> problems, List<Problem> warnings) {}

    static Found check(Recipe recipe, Integer maxModelLen, PromptRenderer renderer, TokenCounter tokens) {
        List<Problem> problems = new ArrayList<>();
        List<Problem> warnings = new ArrayList<>();
        Chunking chunking = recipe == null ? null : recipe.getChunking();
        if (maxModelLen == null
                || chunking == null
                || chunking.getMode() == null
                || chunking.getMode() == Chunking.Mode.none
                || chunking.getMaxTokens() == null) {
            return new Found(problems, warnings);
        }
        PromptRenderer variants = renderer.scoped(TemplateScope.ofVariant(recipe));
        List<PromptVariant> prompts = recipe.getPrompts() == null ? List.of() : recipe.getPrompts();
        for (int i = 0; i < prompts.size(); i++) {
            PromptVariant v = prompts.get(i);
            if (v.getRender() != null) {
                continue;
            }
            int own;
            try {
                own = variants.withoutDocument("variant " + v.getName(), v).promptTokens(tokens);
            } catch (RuntimeException e) {
                // a template that fails is refused on its field; a counter on the server counts per document
                continue;
            }
            check(i, v, chunking, own, maxModelLen, problems, warnings);
        }
        return new Found(problems, warnings);
    }

    private static void check(
            int i,
            PromptVariant v,
            Chunking chunking,
            int own,
            int maxModelLen,
            List<Problem> problems,
            List<Problem> warnings) {
        boolean autoregressive = chunking.getMode() == Chunking.Mode.autoregressive;
        int reply = v.getSampling() == null || v.getSampling().getMaxTokens() == null
                ? 0
                : v.getSampling().getMaxTokens();
        if (reply >= maxModelLen) {
            return; // refused on its own by RecipeLimits
        }
        Integer maxInput = v.getMaxInputTokens();
        int chunk = chunking.getMaxTokens();
        // the previous rewritten chunks: contextTokens, else contextChunks replies of at most the reply cap
        int context = !autoregressive
                ? 0
                : chunking.getContextTokens() != null
                        ? chunking.getContextTokens()
                        : (chunking.getContextChunks() == null ? 1 : chunking.getContextChunks())
                                * (reply > 0 ? reply : chunk);
        String where = "prompts[" + i + "]";
        String contextPart = context == 0
                ? ""
                : " + " + context
                        + (chunking.getContextTokens() != null
                                ? " (chunking.contextTokens)"
                                : " (chunking.contextChunks "
                                        + (chunking.getContextChunks() == null ? 1 : chunking.getContextChunks())
                                        + " previous replies of up to " + (reply > 0 ? reply : chunk) + " tokens)");
        // without maxInputTokens, contextTokens is kept whatever the chunk: no chunk fits when it alone is over
        int fixed = own + (maxInput == null && chunking.getContextTokens() != null ? context : 0) + reply;
        if (fixed >= maxModelLen) {
            problems.add(new Problem(
                    where + ".sampling.maxTokens",
                    0,
                    "variant " + v.getName() + ": the request without any chunk text is already " + own
                            + " (the prompt's own tokens, its chat template's included)"
                            + (fixed - own - reply > 0 ? contextPart : "")
                            + " + " + reply + " (sampling.maxTokens) = " + fixed + " tokens, at or over the model's"
                            + " context (engine.maxModelLen " + maxModelLen
                            + "): no chunk fits, every document would be"
                            + " skipped input_too_long; lower sampling.maxTokens"
                            + (fixed - own - reply > 0 ? " or chunking.contextTokens" : "")
                            + ", shorten the prompt, or raise engine.maxModelLen"));
            return;
        }
        int input = own + context + chunk;
        String inputPart = own + " (the prompt's own tokens, its chat template's included)" + contextPart + " + "
                + chunk + " (chunking.maxTokens)";
        if (maxInput != null && maxInput < input) {
            input = maxInput;
            inputPart = maxInput + " (" + where + ".maxInputTokens)";
        }
        int total = input + reply;
        if (total > maxModelLen) {
            int over = total - maxModelLen;
            warnings.add(new Problem(
                    where + ".sampling.maxTokens",
                    0,
                    "variant " + v.getName() + ": a full-size chunk makes a request of " + inputPart + " + " + reply
                            + " (sampling.maxTokens) = " + total + " tokens, over the model's context"
                            + " (engine.maxModelLen " + maxModelLen + ") by " + over
                            + ": each request's prompt is held to "
                            + (maxModelLen - reply) + " tokens (engine.maxModelLen - sampling.maxTokens), so chunks are"
                            + " packed smaller than the recipe sets"
                            + (autoregressive ? " and previous chunks left out, oldest first," : "")
                            + " to fit; for the chunks the recipe sets, lower "
                            + (maxInput != null && input == maxInput
                                    ? where + ".maxInputTokens"
                                    : "chunking.maxTokens" + (context > 0 ? " or chunking.contextTokens" : ""))
                            + " or sampling.maxTokens by " + over
                            + " (and some more: the server's tokenizer may count 10-15% more), or raise"
                            + " engine.maxModelLen"));
        }
    }
}
