package io.palimpsest.sim.text;

import java.util.List;

/**
 * The bad answers real models give to rewrite prompts, one method per kind, each deterministic
 * in (document, seed). Those that run to a token limit take the budget as an argument.
 */
public final class DegenerateOutputs {
    private static final List<String> REFUSALS = List.of(
            "I'm sorry, but I can't help with rewriting this text.",
            "I'm sorry, but I cannot assist with that request.",
            "As an AI language model, I can't rewrite this document.",
            "I apologize, but I'm unable to fulfil this request.");
    private static final List<String> PREAMBLES = List.of(
            "Sure! Here is the rewritten text:\n\n",
            "Certainly! Here's a rewritten version of the document:\n\n",
            "Here is the paraphrased text:\n\n",
            "Of course! Below is the rewritten passage:\n\n");
    private static final int LOOP_PHRASE_WORDS = 6;

    private DegenerateOutputs() {}

    public static String refusal(String document, long seed) {
        return REFUSALS.get(Hashing.pick(Hashing.mix(seed ^ Hashing.of(document)), REFUSALS.size()));
    }

    public static String preamble(String rewrite, long seed) {
        return PREAMBLES.get(Hashing.pick(Hashing.mix(seed ^ Hashing.of(rewrite)), PREAMBLES.size())) + rewrite;
    }

    /** About the first 55% of the rewrite's tokens, ending inside a sentence. */
    public static String truncation(String rewrite) {
        List<String> pieces = Tokenizer.pieces(rewrite);
        if (pieces.size() < 2) {
            return "";
        }
        int cut = Math.max(1, (int) Math.round(pieces.size() * 0.55));
        while (cut > 1 && endsSentence(pieces.get(cut - 1))) {
            cut--;
        }
        return String.join("", pieces.subList(0, cut));
    }

    /**
     * The start of the rewrite, then one short phrase of it over and over, until
     * {@code tokenBudget} tokens: the loop a model falls into, cut by max_tokens.
     */
    public static String repetition(String rewrite, int tokenBudget) {
        List<String> words = TextStats.words(rewrite);
        String phrase = words.isEmpty()
                ? "and so on"
                : String.join(" ", words.subList(0, Math.min(LOOP_PHRASE_WORDS, words.size())));
        StringBuilder sb = new StringBuilder(phrase);
        int tokens = Tokenizer.count(sb.toString());
        int phraseTokens = Math.max(1, Tokenizer.count(" " + phrase));
        while (tokens < tokenBudget) {
            sb.append(' ').append(phrase);
            tokens += phraseTokens;
        }
        return sb.toString();
    }

    private static boolean endsSentence(String piece) {
        String t = piece.strip();
        return t.endsWith(".") || t.endsWith("!") || t.endsWith("?") || t.endsWith("\n");
    }
}
