package io.palimpsest.worker.recipe;

import io.palimpsest.api.recipe.Chunking;
import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateException;
import io.palimpsest.worker.recipe.token.TokenCounter;

/**
 * What {@code maxInputTokens} leaves for the text a call sends: the limit minus the prompt's own
 * tokens (what the server counts: the chat template's tokens around the messages included,
 * {@link ModelRequest#promptTokens}), a slack, and in autoregressive chunking the {@code contextTokens}
 * kept for the previous chunks. The one place that reckons it, for the chunk budget of each document and for the check
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
     * Refuses {@code t} when its prompt without any document (no text, and one token for each metadata
     * field, stage result and parameter it reads) already takes {@code maxInputTokens}: every document
     * would be skipped, or rejected after its stages were paid. A counter that cannot count yet (a
     * tokenizer on the model server) leaves it to the per-document check.
     *
     * @param owner   names it in the message: "variant qa", "stage review"
     * @param chunked whether the variant's text is cut by {@code chunking} (stages see the whole document)
     * @throws RecipeException when there is no room, or when the prompt cannot be rendered without a
     *                         document (naming the template field)
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
        ModelRequest prompt;
        try {
            prompt = renderer.withoutDocument(owner, t);
        } catch (TemplateException e) {
            throw new RecipeException(
                    owner + ": maxInputTokens " + max + " cannot be checked: the prompt without a document fails, "
                            + e.located(),
                    e);
        }
        int own;
        try {
            own = prompt.promptTokens(tokens);
        } catch (RuntimeException e) {
            // a counter that cannot count yet: each document's prompt is counted when it is sent
            return;
        }
        int room = room(max, own, chunked ? chunking : null);
        if (room < 1) {
            throw new RecipeException(owner + ": maxInputTokens " + max + " leaves no room for the document: the"
                    + " prompt without it is " + own + " tokens (its chat template's included)"
                    + (chunked && contextTokens(chunking) > 0
                            ? ", and chunking.contextTokens keeps " + contextTokens(chunking) + " for previous chunks"
                            : "")
                    + "; raise maxInputTokens or shorten the prompt");
        }
    }
}
