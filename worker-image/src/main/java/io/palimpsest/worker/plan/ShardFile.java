package io.palimpsest.worker.plan;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One input file of a shard, by key relative to the input root, with the size it had when planned.
 * {@code maxItems}, when set, reads only that many items (lines or rows) of the file: how
 * {@code input.limit} cuts the corpus.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShardFile(String key, long bytes, Long maxItems) {

    public ShardFile(String key, long bytes) {
        this(key, bytes, null);
    }
}
