package io.palimpsest.worker.run;

/**
 * What one attempt at one shard took from its input and what of it is kept, for the summary of an
 * attempt that ends without a receipt. Its own: neither other shards of the process nor earlier
 * attempts (whose checkpoint parts it resumed after) are in it. Written, rejected and skipped count
 * the documents of the checkpoint parts this attempt committed (the next attempt resumes after
 * them); read also counts those it took and did not keep, which the next attempt does again:
 * read = written + rejected + skipped + unfinished.
 */
final class AttemptCounts {
    private long read;
    private final ItemCounts kept = new ItemCounts();

    /** An item handed to processing (or rejected as unusable) by this attempt. */
    synchronized void took() {
        read++;
    }

    /** The documents of checkpoint parts this attempt committed. */
    synchronized void kept(ItemCounts parts) {
        kept.add(parts);
    }

    /** Documents kept so far. */
    synchronized long keptDocuments() {
        return kept.written + kept.rejected + kept.skipped;
    }

    synchronized ItemCounts snapshot() {
        ItemCounts copy = new ItemCounts();
        copy.add(kept);
        copy.read = read;
        return copy;
    }
}
