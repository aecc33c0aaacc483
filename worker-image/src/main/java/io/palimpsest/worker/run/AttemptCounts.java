package io.palimpsest.worker.run;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one attempt at one shard took from its input and what of it is kept, for the summary of an
 * attempt that ends without a receipt. Its own: neither other shards of the process nor earlier
 * attempts (whose checkpoint parts it resumed after) are in it. Written, rejected and skipped count
 * the documents of the checkpoint parts this attempt committed and did not withdraw (the next attempt
 * resumes after them); read also counts those it took and did not keep, which the next attempt does
 * again: read = written + rejected + skipped + unfinished.
 */
final class AttemptCounts {
    private long read;
    /** The parts this attempt committed and still stand, by part number. */
    private final Map<Integer, PartMarker> kept = new TreeMap<>();
    /** Documents taken as model_error rejects that no part holds: the next attempt does them again. */
    private long rejectsLeft;

    /** An item handed to processing (or rejected as unusable) by this attempt. */
    synchronized void took() {
        read++;
    }

    /** The checkpoint parts a writer of this attempt committed. */
    synchronized void kept(List<PartMarker> parts) {
        for (PartMarker part : parts) {
            kept.put(part.part(), part);
        }
    }

    /** Rejects a writer of this attempt held for a later answer and left out of every part. */
    synchronized void rejectsLeft(long held) {
        rejectsLeft += held;
    }

    /**
     * Parts withdrawn after they were committed: their documents are in no part, and the next attempt does them
     * again. Parts of other attempts among them change nothing here. Returns how many of this attempt's documents
     * they held.
     */
    synchronized long withdrawn(List<PartMarker> parts) {
        long documents = 0;
        for (PartMarker part : parts) {
            PartMarker mine = kept.get(part.part());
            if (mine != null
                    && mine.writer().equals(part.writer())
                    && mine.items().equals(part.items())) {
                kept.remove(part.part());
                documents += part.counts().read;
            }
        }
        return documents;
    }

    /** Documents kept so far. */
    synchronized long keptDocuments() {
        ItemCounts counts = keptCounts();
        return counts.written + counts.rejected + counts.skipped;
    }

    /** Documents taken as model_error rejects that the attempt left to the next one instead. */
    synchronized long rejectsLeft() {
        return rejectsLeft;
    }

    synchronized ItemCounts snapshot() {
        ItemCounts copy = keptCounts();
        copy.read = read;
        return copy;
    }

    private ItemCounts keptCounts() {
        ItemCounts sum = new ItemCounts();
        for (PartMarker part : kept.values()) {
            sum.add(part.counts());
        }
        return sum;
    }
}
