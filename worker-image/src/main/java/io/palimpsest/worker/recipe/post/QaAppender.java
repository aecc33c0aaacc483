package io.palimpsest.worker.recipe.post;

import io.palimpsest.api.recipe.PostStep;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.StableSeed;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Nemotron-CC's diverse QA composition: the model's question/answer pairs are shuffled, a number
 * growing with the document's length is kept (at most k), and they are appended to the original
 * text, so the output teaches the facts twice, in two forms.
 */
public final class QaAppender {
    private static final Pattern QUESTION =
            Pattern.compile("(?im)^[ \\t]*(?:\\d+[.)][ \\t]*)?(?:Question|Q)[ \\t]*\\d*[ \\t]*[:.][ \\t]*");

    private final int k;
    private final int tokensPerItem;
    private final long seed;

    public QaAppender(PostStep step) {
        this.k = step.getK() == null ? 8 : step.getK();
        this.tokensPerItem = step.getTokensPerItem() == null ? 0 : step.getTokensPerItem();
        this.seed = step.getSeed() == null ? 0L : step.getSeed();
    }

    /** Empty list when the reply holds no "Question:" pair. */
    public static List<String> pairs(String reply) {
        Matcher m = QUESTION.matcher(reply);
        List<Integer> starts = new ArrayList<>();
        while (m.find()) {
            starts.add(m.start());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < starts.size(); i++) {
            int end = i + 1 < starts.size() ? starts.get(i + 1) : reply.length();
            String pair = reply.substring(starts.get(i), end).strip();
            if (pair.matches("(?is).*\\b(answer|a)[ \\t]*[:.].*")) {
                out.add(pair);
            }
        }
        return out;
    }

    /** How many pairs a document of this length keeps. */
    public int keep(int documentTokens, int available) {
        int byLength = tokensPerItem <= 0 ? k : Math.max(1, documentTokens / tokensPerItem);
        return Math.min(available, Math.min(k, byLength));
    }

    /**
     * The original followed by the kept pairs; fails ({@code parse_error}) when the reply holds no
     * pair, since the original alone is not what the recipe asked for.
     */
    public PostResult compose(String documentId, String original, String reply, int documentTokens) {
        List<String> pairs = new ArrayList<>(pairs(reply));
        if (pairs.isEmpty()) {
            return PostResult.failed(
                    ItemReason.PARSE_ERROR, "appendToOriginal: no Question:/Answer: pairs in the reply");
        }
        Collections.shuffle(
                pairs, new Random(StableSeed.random(seed, documentId, "qa").nextLong()));
        List<String> kept = pairs.subList(0, keep(documentTokens, pairs.size()));
        StringBuilder sb = new StringBuilder(original.strip());
        for (String pair : kept) {
            sb.append("\n\n").append(pair);
        }
        return PostResult.ok(sb.toString());
    }
}
