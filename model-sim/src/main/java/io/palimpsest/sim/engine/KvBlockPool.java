package io.palimpsest.sim.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The KV cache as vLLM V1's block pool keeps it: a fixed number of blocks of {@code blockSize}
 * tokens, each held by the sequences that reference it. A block nobody references is free, but a
 * full prompt block keeps its content hash while it waits in the free queue, so a later request
 * with the same prefix can take it back instead of computing it again (prefix caching). Free
 * blocks are reused least recently freed first; reusing a cached block evicts its hash.
 *
 * <p>Usage is {@code 1 - free / total}, as vLLM reports it: cached blocks that nobody references
 * count as free.
 */
final class KvBlockPool {
    static final class Block {
        private int refCount;
        private long hash;
        private boolean hashed;

        int refCount() {
            return refCount;
        }
    }

    private final int totalBlocks;
    /** Insertion order is eviction order: the head is reused first. */
    private final LinkedHashSet<Block> free = new LinkedHashSet<>();

    private final Map<Long, Block> cached = new HashMap<>();

    KvBlockPool(int totalBlocks) {
        if (totalBlocks <= 0) {
            throw new IllegalArgumentException("totalBlocks must be positive, got " + totalBlocks);
        }
        this.totalBlocks = totalBlocks;
        for (int i = 0; i < totalBlocks; i++) {
            free.add(new Block());
        }
    }

    int totalBlocks() {
        return totalBlocks;
    }

    int freeBlocks() {
        return free.size();
    }

    double usage() {
        return 1.0 - (double) free.size() / totalBlocks;
    }

    /** Takes {@code n} free blocks (the caller checked {@link #freeBlocks()}), evicting their hashes. */
    List<Block> allocate(int n) {
        if (n > free.size()) {
            throw new IllegalStateException("asked for " + n + " blocks, " + free.size() + " free");
        }
        List<Block> out = new ArrayList<>(n);
        var it = free.iterator();
        for (int i = 0; i < n; i++) {
            Block b = it.next();
            it.remove();
            if (b.hashed) {
                cached.remove(b.hash, b);
                b.hashed = false;
            }
            b.refCount = 1;
            out.add(b);
        }
        return out;
    }

    /** The cached block holding the prefix whose chained hash is {@code hash}, or null. */
    Block lookup(long hash) {
        return cached.get(hash);
    }

    /** Takes a reference on a cached block found by {@link #lookup}; a free one leaves the free queue. */
    void touch(Block b) {
        if (b.refCount == 0) {
            free.remove(b);
        }
        b.refCount++;
    }

    /** Publishes a full block under its prefix hash; the first block published for a hash wins. */
    void cache(Block b, long hash) {
        if (b.hashed || cached.containsKey(hash)) {
            return;
        }
        b.hash = hash;
        b.hashed = true;
        cached.put(hash, b);
    }

    /**
     * Drops one reference on each block. Freed in reverse, as vLLM does, so a sequence's last
     * blocks (the least shared) are evicted before its first ones.
     */
    void release(List<Block> blocks) {
        for (int i = blocks.size() - 1; i >= 0; i--) {
            Block b = blocks.get(i);
            if (--b.refCount == 0) {
                free.add(b);
            }
        }
    }
}
