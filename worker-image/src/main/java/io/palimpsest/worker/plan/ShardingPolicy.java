package io.palimpsest.worker.plan;

/**
 * How files are grouped: a fixed number of files per shard, or files packed up to a byte budget.
 * Exactly one is set; with neither, {@link #DEFAULT_TARGET_BYTES} applies.
 */
public record ShardingPolicy(Integer filesPerShard, Long targetShardBytes) {

    public static final long DEFAULT_TARGET_BYTES = 256L * 1024 * 1024;

    public ShardingPolicy {
        if (filesPerShard != null && targetShardBytes != null) {
            throw new IllegalArgumentException(
                    "set at most one of sharding.filesPerShard and sharding.targetShardBytes");
        }
        if (filesPerShard != null && filesPerShard < 1) {
            throw new IllegalArgumentException("sharding.filesPerShard must be at least 1, got " + filesPerShard);
        }
        if (targetShardBytes != null && targetShardBytes < 1) {
            throw new IllegalArgumentException("sharding.targetShardBytes must be positive, got " + targetShardBytes);
        }
    }

    public static ShardingPolicy defaults() {
        return new ShardingPolicy(null, null);
    }
}
