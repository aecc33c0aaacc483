package io.palimpsest.worker.recipe;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Random choices that depend only on (recipe seed, document id, purpose): the same document gets
 * the same variants, parameters and QA pairs on every attempt and every machine, which is what
 * makes a retried shard byte-identical.
 */
public final class StableSeed {
    private StableSeed() {}

    public static SplittableRandom random(long seed, String documentId, String purpose) {
        return new SplittableRandom(seed ^ fnv1a(documentId) ^ Long.rotateLeft(fnv1a(purpose), 17));
    }

    static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
