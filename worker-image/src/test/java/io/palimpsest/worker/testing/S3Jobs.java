package io.palimpsest.worker.testing;

import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** A small campaign on an S3 API server: its corpus, a manifest pair reading and writing {@code s3://}, its lines. */
public final class S3Jobs {

    private S3Jobs() {}

    /** Storages that reach the server at {@code endpoint} directly, with the test's keys. */
    public static StorageResolver direct(String endpoint) {
        S3Options options = new S3Options(
                Optional.of(URI.create(endpoint)),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        return new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options);
    }

    /** {@code s3://corpus/<name>/a.jsonl} and {@code b.jsonl}, each of {@code perFile} documents. */
    public static void upload(StorageResolver storages, String name, int perFile) throws IOException {
        try (Storage corpus = storages.open("s3://corpus/" + name + "/")) {
            for (String file : new String[] {"a.jsonl", "b.jsonl"}) {
                StringBuilder lines = new StringBuilder();
                for (int i = 0; i < perFile; i++) {
                    lines.append("{\"id\":\"")
                            .append(file)
                            .append('-')
                            .append(i)
                            .append("\",\"text\":\"doc ")
                            .append(i)
                            .append("\"}\n");
                }
                corpus.put(file, lines.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * {@code dir/job.yaml}: a RewriterModel at a port nothing serves (these campaigns stop before any model call) and
     * RewriteJob {@code name} from {@code input} to {@code output}, one file per shard.
     */
    public static Path writeJob(Path dir, String name, String input, String output) throws IOException {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriterModel
                metadata:
                  name: sim
                spec:
                  servedModelName: sim
                  endpoint:
                    url: http://127.0.0.1:9
                ---
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata:
                  name: %s
                spec:
                  modelRef: {name: sim}
                  input:
                    uri: %s
                  output:
                    uri: %s
                  sharding:
                    filesPerShard: 1
                  recipe:
                    prompts:
                      - name: plain
                        user: "Rewrite the document. <document>{{ text }}</document>"
                """.formatted(name, input, output));
        return file;
    }

    /** The 1-based number of the first line of {@code file} that holds {@code text}. */
    public static int lineOf(Path file, String text) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " is not in " + file);
    }
}
