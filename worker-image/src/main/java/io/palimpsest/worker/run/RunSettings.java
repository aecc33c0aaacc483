package io.palimpsest.worker.run;

import java.nio.file.Path;

import io.palimpsest.worker.format.Compression;

/**
 * How one attempt runs a shard. {@code window} bounds items handed out but not yet answered
 * (in flight or queued for a connection), which bounds memory; an answer goes into the part being
 * filled at once, so the work a kill can lose is bounded by {@code checkpointEvery}.
 */
public record RunSettings(int attempt, String writerId, int checkpointEvery, int window, Compression compression,
                          String job, String jobUid, String recipeHash, String model, Path tempDir) {

    public RunSettings {
        if (checkpointEvery < 1) {
            throw new IllegalArgumentException("checkpointEvery must be at least 1, got " + checkpointEvery);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + window);
        }
    }
}
