package io.palimpsest.worker.plan;

import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/**
 * Which plan is in force in an output: the SHA-256 (hex) of {@code _palimpsest/manifest.jsonl} as stored. Every store
 * gives it cheaply (the plan's {@link ShardOffsets} header names it, a read of a few dozen bytes; a plan of an earlier
 * version without that index is hashed whole), it is what a worker already ran its shard under
 * ({@link ShardManifest.Planned#manifestSha256()}), and another plan stored over the output has other bytes (the same
 * bytes are the same shards of the same input, so the same plan). Receipts and checkpoint part markers record it, so
 * that work done under one plan is never committed into, nor taken as done by, another.
 */
public final class PlanIdentity {

    private PlanIdentity() {}

    /** The identity of the plan in {@code output} now; null when there is no plan there. */
    public static String inForce(Storage output) throws IOException {
        ShardOffsets.Header header;
        try {
            header = ShardOffsets.header(output);
        } catch (NoSuchFileException noIndex) {
            return wholeManifest(output);
        }
        long stored;
        try {
            stored = output.size(ShardManifest.KEY);
        } catch (NoSuchFileException gone) {
            return null; // an index left without its plan (planning again, half-way): no plan in force
        }
        // an index of another manifest than the one stored (planning again, half-way): the stored bytes decide
        return stored == header.manifestLength() ? header.manifestSha256() : wholeManifest(output);
    }

    private static String wholeManifest(Storage output) throws IOException {
        try {
            return of(output.readAll(ShardManifest.KEY));
        } catch (NoSuchFileException gone) {
            return null;
        }
    }

    /** The identity of the plan stored as {@code manifest}, for a reader that has its bytes already. */
    public static String of(byte[] manifest) {
        return DuplicateIdIndex.sha256(manifest);
    }

    /**
     * Throws {@link PlanReplacedException} unless the plan in force in {@code output} is {@code ranUnder}, the plan
     * {@code shardName}'s attempt ran under; {@code before} says what the attempt was about to do ("creating its
     * receipt"). Nothing is checked when {@code ranUnder} is null (a caller that read no plan).
     */
    public static void confirm(Storage output, String ranUnder, String shardName, String before) throws IOException {
        if (ranUnder == null) {
            return;
        }
        String now = inForce(output);
        if (!ranUnder.equals(now)) {
            throw new PlanReplacedException(shardName + ": " + before + " found the plan at "
                    + output.describe(ShardManifest.KEY) + " replaced: this attempt ran under plan " + ranUnder
                    + ", the plan in force is " + (now == null ? "none (the plan is gone)" : now)
                    + "; the output was planned again while it ran (its folder deleted, or planned anew), so its work"
                    + " is not of a shard of the plan in force and nothing is committed. Stop every run of the earlier"
                    + " plan (a `palimpsest local` still running, worker pods still terminating), then run the job"
                    + " again: the plan in force's own run does this shard");
        }
    }

    /** Whether a receipt or part marker that records {@code recorded} was made under another plan than {@code plan}. */
    public static boolean another(String recorded, String plan) {
        // an earlier version's receipt or marker records no plan: read as before
        return recorded != null && plan != null && !recorded.equals(plan);
    }
}
