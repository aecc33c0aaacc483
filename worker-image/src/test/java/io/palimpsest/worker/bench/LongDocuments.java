package io.palimpsest.worker.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;

/**
 * Requests for the long-document benchmarks: one shared system prompt and a document of
 * {@code minWords}-{@code maxWords} plain English words (about 1.1 simulator tokens per word),
 * unique per request number so that only the system prompt is a shared prefix. The rewrite of such
 * a document is longer than {@code max_tokens}, which varies per request between 3/4 and 5/4 of
 * {@code meanMaxTokens}: real completions differ in length, and equal ones would keep requests that
 * started together finishing together for the whole run.
 */
final class LongDocuments {
    static final String SYSTEM =
            "Rewrite the document below in clear, plain English. Keep every fact, number and name.";
    private static final String[] WORDS =
            ("the river valley was settled by farmers who built stone walls along the terraces and "
                            + "planted barley rye and apples while the market town grew around a bridge where merchants paid tolls in silver "
                            + "coins each autumn the fair brought musicians traders and travellers from the coast")
                    .split(" ");

    private final ObjectMapper json = new ObjectMapper();
    private final int minWords;
    private final int maxWords;
    private final int meanMaxTokens;

    LongDocuments(int minWords, int maxWords, int meanMaxTokens) {
        this.minWords = minWords;
        this.maxWords = maxWords;
        this.meanMaxTokens = meanMaxTokens;
    }

    int maxTokens(long n) {
        Random random = new Random(n * 31 + 3);
        return meanMaxTokens * 3 / 4 + random.nextInt(meanMaxTokens / 2 + 1);
    }

    String text(long n) {
        Random random = new Random(n * 0x9E3779B97F4A7C15L + 7);
        int words = minWords + random.nextInt(maxWords - minWords + 1);
        StringBuilder sb =
                new StringBuilder(words * 7).append("Record ").append(n).append(". ");
        for (int i = 0; i < words; i++) {
            sb.append(WORDS[random.nextInt(WORDS.length)]).append(i % 14 == 13 ? ". " : " ");
        }
        return sb.toString().trim();
    }

    ObjectNode body(long n) {
        ObjectNode body = json.createObjectNode();
        body.put("model", "sim");
        var messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", SYSTEM);
        messages.addObject().put("role", "user").put("content", "<document>\n" + text(n) + "\n</document>");
        body.put("max_tokens", maxTokens(n));
        return body;
    }

    String bodyJson(long n) {
        try {
            return json.writeValueAsString(body(n));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
