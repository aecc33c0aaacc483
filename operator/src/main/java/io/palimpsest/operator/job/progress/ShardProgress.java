package io.palimpsest.operator.job.progress;

/**
 * What one running worker pod said about its shard at its last scrape: documents it answered
 * (not committed), the tokens the model answered its requests with so far (counted as each answer
 * comes, before the document is done), and how far it is through the shard's input.
 *
 * @param bytesRead  input bytes read so far (as stored)
 * @param shardBytes the shard's planned input bytes; 0 when unknown
 * @param ratio      the worker's own estimate of how far the shard is (0-1: bytes read corrected for documents read
 *                   ahead of their answers), NaN when it gives none
 */
public record ShardProgress(
        int shard,
        long written,
        long rejected,
        long skipped,
        long promptTokens,
        long completionTokens,
        long bytesRead,
        long shardBytes,
        double ratio) {

    public ShardProgress(
            int shard,
            long written,
            long rejected,
            long skipped,
            long promptTokens,
            long completionTokens,
            long bytesRead,
            long shardBytes) {
        this(shard, written, rejected, skipped, promptTokens, completionTokens, bytesRead, shardBytes, Double.NaN);
    }

    public long documents() {
        return written + rejected + skipped;
    }

    /** How far through its input the shard is, 0-1 (0 when the size is unknown). */
    public double fraction() {
        if (!Double.isNaN(ratio)) {
            return Math.min(1.0, Math.max(0, ratio));
        }
        return shardBytes <= 0 ? 0 : Math.min(1.0, Math.max(0, bytesRead) / (double) shardBytes);
    }
}
