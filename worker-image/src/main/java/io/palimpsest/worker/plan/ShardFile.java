package io.palimpsest.worker.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.palimpsest.worker.storage.ObjectVersions;

/**
 * One input file of a shard, by key relative to the input root, with the size it had when planned.
 * {@code maxItems}, when set, reads only that many items (lines or rows) of the file: how
 * {@code input.limit} cuts the corpus. {@code firstItem}, when set, skips the file's items before
 * that one (counted from 0 in file order, unusable items included): with {@code maxItems} it makes
 * an item range, how a file too long for the fleet is cut into several shards. {@code bytes} is
 * then the range's share of the file. {@code version} is the version the store gave of the file at
 * planning ({@link io.palimpsest.worker.storage.StoredObject#version()}: an object's ETag, a file's
 * last-modified time and inode): a file rewritten since to other bytes of the same size is told by
 * it. Plans of earlier versions have none, or (the first to record one, for {@code s3://} only) an
 * {@code etag}, read as the version it is.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ShardFile(String key, long bytes, Long maxItems, Long firstItem, String version) {

    public ShardFile(String key, long bytes) {
        this(key, bytes, null, null, null);
    }

    public ShardFile(String key, long bytes, Long maxItems) {
        this(key, bytes, maxItems, null, null);
    }

    public ShardFile(String key, long bytes, Long maxItems, Long firstItem) {
        this(key, bytes, maxItems, firstItem, null);
    }

    @JsonCreator
    static ShardFile read(
            @JsonProperty("key") String key,
            @JsonProperty("bytes") long bytes,
            @JsonProperty("maxItems") Long maxItems,
            @JsonProperty("firstItem") Long firstItem,
            @JsonProperty("version") String version,
            @JsonProperty("etag") String etag) {
        return new ShardFile(key, bytes, maxItems, firstItem, version != null ? version : ObjectVersions.etag(etag));
    }

    /** Items of the file skipped before this shard's part (0 when the part starts at the top). */
    public long skippedItems() {
        return firstItem == null ? 0 : firstItem;
    }
}
