package io.palimpsest.worker.run;

import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.plan.OutputShape;
import java.nio.file.Path;

/**
 * How one attempt runs a shard. {@code window} bounds items handed out but not yet answered
 * (in flight or queued for a connection), and {@code windowBytes} the size of their texts (an item
 * larger than it goes alone), which together bound memory ({@link ReadAhead}); an answer goes into the part being
 * filled at once, so the work a kill can lose is bounded by {@code checkpointEvery}.
 * {@code attempt} is 0-based; {@code attemptsPerShard} is the job's {@code retry.attemptsPerShard}:
 * only the last attempt commits a document whose calls failed after every retry (as a
 * {@code model_error} reject). {@code simulated}: the built-in simulator serves the model, which the
 * receipt, the records' provenance and the output say. {@code modelIdentity}: the weights behind
 * {@code model} where known (the part markers record it), else null. {@code output}: how the job's
 * {@code spec.output} shapes records and files (the part markers record it, and parts shaped otherwise are not
 * resumed), else null: not compared.
 */
public record RunSettings(
        int attempt,
        String writerId,
        int checkpointEvery,
        int window,
        Compression compression,
        String job,
        String jobUid,
        String recipeHash,
        String model,
        Path tempDir,
        int attemptsPerShard,
        boolean simulated,
        String modelIdentity,
        long windowBytes,
        OutputShape output) {

    /** The default of {@code spec.retry.attemptsPerShard}. */
    public static final int DEFAULT_ATTEMPTS_PER_SHARD = 3;

    /** The room a window's texts may take by default: 1/{@link ReadAhead#HEAP_SHARE} of this JVM's heap. */
    public static long defaultWindowBytes() {
        return ReadAhead.heapShare();
    }

    public RunSettings {
        if (checkpointEvery < 1) {
            throw new IllegalArgumentException("checkpointEvery must be at least 1, got " + checkpointEvery);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + window);
        }
        if (windowBytes < 1) {
            throw new IllegalArgumentException("windowBytes must be at least 1, got " + windowBytes);
        }
        if (attemptsPerShard < 1) {
            throw new IllegalArgumentException("attemptsPerShard must be at least 1, got " + attemptsPerShard);
        }
    }
}
