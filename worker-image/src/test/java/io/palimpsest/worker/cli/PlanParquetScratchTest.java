package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The planner's duplicate-id pass reads a remote Parquet input file by byte ranges, as workers do, with nothing of it
 * on local disk: the scratch bound ({@code PALIMPSEST_SCRATCH_LIMIT}) holds the sorted ids alone, so Parquet files
 * larger than it are planned, whatever the planner's threads (a whole copy of each counted in it refused the plan).
 */
class PlanParquetScratchTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    @TempDir
    Path dir;

    @Test
    void parquetFilesLargerThanTheScratchBoundArePlanned() throws Exception {
        long first = upload("pq-large", "first.parquet", 400, 1);
        long second = upload("pq-large", "second.parquet", 400, 2);
        long limit = Math.min(first, second) / 4;
        ObjectMapper json = new ObjectMapper();

        try (JobRuntime runtime = runtime("pq-large", limit, json)) {
            PlanCommand.plan(runtime, json, false);
        }

        try (Storage out = direct().open("s3://out/pq-large/")) {
            assertEquals(
                    800,
                    new ObjectMapper()
                            .readTree(out.readAll(DuplicateIdIndex.INDEX_KEY))
                            .path("documents")
                            .asLong());
        }
    }

    /** A Parquet file of {@code rows} rows of 1,000 random letters (so that it does not compress away); its size. */
    private long upload(String name, String file, int rows, long seed) throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); }");
        Path local = dir.resolve(name + "-" + file);
        Random random = new Random(seed);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(local))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < rows; i++) {
                StringBuilder text = new StringBuilder();
                for (int c = 0; c < 1_000; c++) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
                writer.write(groups.newGroup().append("id", file + "-" + i).append("text", text.toString()));
            }
        }
        try (Storage corpus = direct().open("s3://corpus/" + name + "/")) {
            corpus.put(file, local);
        }
        return Files.size(local);
    }

    private JobRuntime runtime(String name, long scratchLimit, ObjectMapper json) throws IOException {
        Path secret = Files.createDirectories(dir.resolve("secret"));
        Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "test-access");
        Files.writeString(secret.resolve("AWS_SECRET_ACCESS_KEY"), "test-secret");
        Files.writeString(secret.resolve("AWS_ENDPOINT_URL_S3"), "http://localhost:" + S3.getHttpPort());
        WorkerEnvironment environment = new WorkerEnvironment(Map.of(
                "PALIMPSEST_INPUT_CREDENTIALS_DIR", secret.toString(),
                "PALIMPSEST_OUTPUT_CREDENTIALS_DIR", secret.toString(),
                "PALIMPSEST_SCRATCH_LIMIT", Long.toString(scratchLimit),
                "PALIMPSEST_PLANNER_THREADS", "2"));
        Path file = dir.resolve(name + "-job.yaml");
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
                  name: parquet
                spec:
                  modelRef: {name: sim}
                  input:
                    uri: s3://corpus/%s/
                  output:
                    uri: s3://out/%s/
                  sharding:
                    filesPerShard: 1
                  recipe:
                    prompts:
                      - name: plain
                        user: "Rewrite the document. <document>{{ text }}</document>"
                """.formatted(name, name));
        return new JobRuntime(new JobManifests().load(file).job(), environment, json);
    }

    private static StorageResolver direct() {
        S3Options options = new S3Options(
                Optional.of(URI.create("http://localhost:" + S3.getHttpPort())),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        return new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options);
    }
}
