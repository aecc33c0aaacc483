package io.palimpsest.worker.testing;

import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.run.RunSettings;
import java.nio.file.Path;

/** Settings of one attempt as the tests run it: a job "job" (uid "uid") of one recipe on model "model". */
public final class TestRunSettings {

    private TestRunSettings() {}

    public static RunSettings of(
            int attempt, String writer, int checkpointEvery, int window, Compression compression, Path tempDir) {
        return new RunSettings(
                attempt,
                writer,
                checkpointEvery,
                window,
                compression,
                "job",
                "uid",
                "sha256:x",
                "model",
                tempDir,
                RunSettings.DEFAULT_ATTEMPTS_PER_SHARD,
                false,
                null,
                RunSettings.defaultWindowBytes(),
                null);
    }
}
