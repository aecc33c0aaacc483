package io.palimpsest.worker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a RewriteJob + RewriterModel manifest pair for end-to-end tests. */
public final class JobFiles {

    private JobFiles() {}

    /** One prompt variant ("plain"), one file per shard, the model at {@code endpoint}. */
    public static Path write(Path dir, Path input, Path output, String endpoint, int concurrencyCap)
            throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriterModel
                metadata:
                  name: sim
                spec:
                  servedModelName: sim
                  endpoint:
                    url: %s
                ---
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata:
                  name: e2e
                spec:
                  modelRef: {name: sim}
                  input:
                    uri: %s
                  output:
                    uri: %s
                    compression: zstd
                  sharding:
                    filesPerShard: 1
                  recipe:
                    prompts:
                      - name: plain
                        user: "Rewrite the document. <document>{{ text }}</document>"
                        sampling: {temperature: 0, maxTokens: 512, seed: 1}
                  workers:
                    concurrencyPerWorker: %d
                """.formatted(endpoint, input.toUri(), output.toUri(), concurrencyCap));
        return file;
    }
}
