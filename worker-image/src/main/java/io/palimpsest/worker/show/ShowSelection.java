package io.palimpsest.worker.show;

/**
 * Which committed documents to show: those of one variant (null: all), one id or one shard (null:
 * any), at most {@code limit} documents (an id shows every document with it).
 */
public record ShowSelection(String variant, String id, Integer shard, int limit) {
    public ShowSelection {
        if (limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
        }
        if (id != null && shard != null) {
            throw new IllegalArgumentException("give --id or --shard, not both");
        }
    }
}
