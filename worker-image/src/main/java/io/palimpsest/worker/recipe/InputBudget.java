package io.palimpsest.worker.recipe;

import io.palimpsest.api.recipe.Chunking;
import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateVariables;
import io.palimpsest.worker.recipe.token.TokenCounter;
import java.util.List;
import java.util.Map;

/**
 * What {@code maxInputTokens} leaves for the text a call sends: the limit minus the prompt's own
 * tokens, a slack, and in autoregressive chunking the {@code contextTokens} kept for the previous
 * chunks. The one place that reckons it, for the chunk budget of each document and for the check
 * that refuses, before any document, a prompt whose template alone leaves no room.
 */
final class InputBudget {
    /** Tokens kept free between the packed chunk and the input limit (Nemotron-CC). */
    static final int SLACK = 2;

    private InputBudget() {}

    /** Tokens left for the unit's text; under 1, nothing fits. */
    static int room(int maxInputTokens, int promptTokens, Chunking chunking) {
        return maxInputTokens - promptTokens - SLACK - contextTokens(chunking);
    }

    private static int contextTokens(Chunking chunking) {
        return chunking != null
                        && chunking.getMode() == Chunking.Mode.autoregressive
                        && chunking.getContextTokens() != null
                ? chunking.getContextTokens()
                : 0;
    }

    /**
     * Refuses {@code t} when its prompt without any document (no text, no metadata, no stage results)
     * already takes {@code maxInputTokens}: every document would be skipped. A template that cannot be
     * rendered without a document, or a counter that cannot count yet (a tokenizer on the model server),
     * is left to the per-document check.
     *
     * @param owner   names it in the message: "variant qa", "stage review"
     * @param chunked whether the variant's text is cut by {@code chunking} (stages see the whole document)
     */
    static void check(
            String owner,
            PromptTemplate t,
            Chunking chunking,
            boolean chunked,
            PromptRenderer renderer,
            TokenCounter tokens) {
        Integer max = t.getMaxInputTokens();
        if (max == null || t.getRender() != null) {
            return;
        }
        int own;
        try {
            Map<String, Object> vars = TemplateVariables.of(
                    new SourceDocument("", "", Map.of()),
                    "",
                    List.of(),
                    Map.of(),
                    Map.of(),
                    Map.of("id", "#0", "index", 0, "count", 1));
            own = tokens.count(renderer.request(owner, t, vars, "budget").inputText());
        } catch (RuntimeException e) {
            // a TemplateException (the template needs a document), or a counter that cannot count yet
            return;
        }
        int room = room(max, own, chunked ? chunking : null);
        if (room < 1) {
            throw new RecipeException(owner + ": maxInputTokens " + max + " leaves no room for the document: the"
                    + " prompt without it is " + own + " tokens"
                    + (chunked && contextTokens(chunking) > 0
                            ? ", and chunking.contextTokens keeps " + contextTokens(chunking) + " for previous chunks"
                            : "")
                    + "; raise maxInputTokens or shorten the prompt");
        }
    }
}
