package io.palimpsest.worker.recipe;

import io.palimpsest.api.recipe.Chunking;
import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateException;
import io.palimpsest.worker.recipe.token.TokenCounter;

/**
 * What the input limit ({@link Limit}: {@code maxInputTokens}, and the model's context less the reply cap when the
 * context is known) leaves for the text a call sends: the limit minus the prompt's own
 * tokens (what the server counts: the chat template's tokens around the messages included,
 * {@link ModelRequest#promptTokens}), a slack, and in autoregressive chunking the {@code contextTokens}
 * kept for the previous chunks. The one place that reckons it, for the chunk budget of each document and for the check
 * that refuses, before any document, a prompt whose template alone leaves no room.
 */
final class InputBudget {
    /** Tokens kept free between the packed chunk and the input limit (Nemotron-CC). */
    static final int SLACK = 2;

    private InputBudget() {}

    /**
     * The most tokens a call's prompt may take, and what set it: the smaller of {@code maxInputTokens} and, when the
     * model's context is known, {@code engine.maxModelLen} less {@code sampling.maxTokens} (the server refuses a
     * request whose prompt and reply cap are over its context).
     *
     * @param source names it in a reject's detail and a refusal: "maxInputTokens 4000", "engine.maxModelLen 8192 -
     *               sampling.maxTokens 2048"
     */
    record Limit(int tokens, String source, boolean fromContext) {
        /** Null when neither is known: nothing limits the prompt. */
        static Limit of(PromptTemplate t, Integer maxModelLen) {
            Integer maxInput = t.getMaxInputTokens();
            int reply = t.getSampling() == null || t.getSampling().getMaxTokens() == null
                    ? 0
                    : t.getSampling().getMaxTokens();
            if (maxModelLen != null && (maxInput == null || maxModelLen - reply < maxInput)) {
                return new Limit(
                        maxModelLen - reply,
                        "engine.maxModelLen " + maxModelLen
                                + (reply > 0 ? " - sampling.maxTokens " + reply : "")
                                + (maxInput == null ? "" : ", under maxInputTokens " + maxInput),
                        true);
            }
            return maxInput == null ? null : new Limit(maxInput, "maxInputTokens " + maxInput, false);
        }

        /** What to change when the prompt alone leaves no room. */
        String remedy() {
            return fromContext
                    ? "lower sampling.maxTokens, shorten the prompt, or raise engine.maxModelLen"
                    : "raise maxInputTokens or shorten the prompt";
        }
    }

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
     * field, stage result and parameter it reads) already takes its input limit ({@link Limit}): every document
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
        check(owner, t, chunking, chunked, renderer, tokens, null);
    }

    /** As {@link #check(String, PromptTemplate, Chunking, boolean, PromptRenderer, TokenCounter)}, held to the model's context too when known. */
    static void check(
            String owner,
            PromptTemplate t,
            Chunking chunking,
            boolean chunked,
            PromptRenderer renderer,
            TokenCounter tokens,
            Integer maxModelLen) {
        Limit limit = Limit.of(t, maxModelLen);
        if (limit == null || t.getRender() != null) {
            return;
        }
        int max = limit.tokens();
        ModelRequest prompt;
        try {
            prompt = renderer.withoutDocument(owner, t);
        } catch (TemplateException e) {
            if (limit.fromContext()) {
                // the recipe set no limit of its own to check: each document's prompt is held to the context
                return;
            }
            throw new RecipeException(
                    owner + ": " + limit.source() + " cannot be checked: the prompt without a document fails, "
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
            throw new RecipeException(owner + ": " + limit.source() + " leaves no room for the document: the"
                    + " prompt without it is " + own + " tokens (its chat template's included)"
                    + (chunked && contextTokens(chunking) > 0
                            ? ", and chunking.contextTokens keeps " + contextTokens(chunking) + " for previous chunks"
                            : "")
                    + "; " + limit.remedy());
        }
    }
}
