package io.palimpsest.worker.run;

import io.palimpsest.worker.format.Compression;

/**
 * Where a shard's files live under the output root (DESIGN section 4). Part files carry the writer
 * id so that two attempts of the same shard never write the same key; only part markers and the
 * receipt are contended, and those are created conditionally.
 */
public final class ShardLayout {

    public static final String REJECTS_STREAM = "_rejects";
    private static final String INTERNAL = "_palimpsest";

    private final int shard;
    private final Compression compression;

    public ShardLayout(int shard, Compression compression) {
        this.shard = shard;
        this.compression = compression;
    }

    public int shard() {
        return shard;
    }

    public String shardName() {
        return String.format("shard-%05d", shard);
    }

    public String receiptKey() {
        return receiptsFolder() + shardName() + ".json";
    }

    /** The folder of every shard's receipt. */
    public static String receiptsFolder() {
        return INTERNAL + "/receipts/";
    }

    /** The folder of every unfinished shard's checkpoint parts, one folder each. */
    public static String checkpointsFolder() {
        return INTERNAL + "/checkpoints/";
    }

    /** The committed data of one stream: a variant's outputs, or the rejects. */
    public String finalKey(String stream) {
        String file = shardName() + ".jsonl" + compression.extension();
        return REJECTS_STREAM.equals(stream) ? INTERNAL + "/rejects/" + file : stream + "/" + file;
    }

    /**
     * Written by a run the built-in simulator served, before its first part: a run on a real model
     * refuses an output that holds simulated work rather than count it as done.
     */
    public static String simulatedMarkerKey() {
        return INTERNAL + "/simulated.json";
    }

    public String checkpointPrefix() {
        return checkpointsFolder() + shardName() + "/";
    }

    public String markerKey(int part) {
        return checkpointPrefix() + String.format("part-%06d.json", part);
    }

    public String partDataKey(int part, String writer, String stream) {
        return checkpointPrefix()
                + String.format("part-%06d.%s.%s.jsonl", part, writer, stream)
                + compression.extension();
    }

    public static boolean isMarker(String key) {
        return key.endsWith(".json") && key.substring(key.lastIndexOf('/') + 1).startsWith("part-");
    }
}
