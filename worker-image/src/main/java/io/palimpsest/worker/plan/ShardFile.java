package io.palimpsest.worker.plan;

/** One input file of a shard, by key relative to the input root, with the size it had when planned. */
public record ShardFile(String key, long bytes) {
}
