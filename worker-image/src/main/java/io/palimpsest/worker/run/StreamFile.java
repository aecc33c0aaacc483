package io.palimpsest.worker.run;

/** One written file of a stream (a part's data or a committed shard file): where, how many records, its size and SHA-256. */
public record StreamFile(String key, long records, long bytes, String sha256) {}
