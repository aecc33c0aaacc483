package io.palimpsest.sim.engine;

import io.palimpsest.sim.text.Hashing;

/**
 * Content hashes of a prompt's full KV blocks, chained as vLLM chains them: a block's hash covers
 * its own tokens and the hash of the block before it, so two prompts share block {@code i} only
 * when they agree on every token up to the end of that block. The last, partial block has no hash
 * and is never shared.
 */
public final class PrefixHashes {
    private PrefixHashes() {}

    public static long[] of(int[] tokenIds, int blockSize) {
        long[] out = new long[tokenIds.length / blockSize];
        long parent = 0x5eed_b10c_c0deL;
        for (int b = 0; b < out.length; b++) {
            long h = parent;
            for (int i = b * blockSize; i < (b + 1) * blockSize; i++) {
                h = Hashing.mix(h * 31 + tokenIds[i]);
            }
            out[b] = h;
            parent = h;
        }
        return out;
    }
}
