package io.palimpsest.worker.plan;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One input file of a shard, by key relative to the input root, with the size it had when planned.
 * {@code maxItems}, when set, reads only that many items (lines or rows) of the file: how
 * {@code input.limit} cuts the corpus. {@code firstItem}, when set, skips the file's items before
 * that one (counted from 0 in file order, unusable items included): with {@code maxItems} it makes
 * an item range, how a file too long for the fleet is cut into several shards. {@code bytes} is
 * then the range's share of the file. {@code etag}, when the store gave one at planning (S3), is the
 * object's ETag then: a file rewritten since to other bytes of the same size is told by it (plans
 * of earlier versions, and files on a volume, have none).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ShardFile(String key, long bytes, Long maxItems, Long firstItem, String etag) {

    public ShardFile(String key, long bytes) {
        this(key, bytes, null, null, null);
    }

    public ShardFile(String key, long bytes, Long maxItems) {
        this(key, bytes, maxItems, null, null);
    }

    public ShardFile(String key, long bytes, Long maxItems, Long firstItem) {
        this(key, bytes, maxItems, firstItem, null);
    }

    /** Items of the file skipped before this shard's part (0 when the part starts at the top). */
    public long skippedItems() {
        return firstItem == null ? 0 : firstItem;
    }
}
