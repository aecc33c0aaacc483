package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.storage.OutageProxy;
import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * An input file a lifecycle rule archived (the store answers 403 InvalidObjectState) read by the
 * planner, while it samples the input's first records or counts items for {@code input.limit}: the
 * plan is refused (InvalidJobException: exit 78, the job fails PlanningFailed) naming the file,
 * before anything is written, rather than failing as an unexpected error (exit 1).
 */
class PlanArchivedInputTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anArchivedInputFileRefusesThePlanNamingTheFile(boolean limited) throws Exception {
        String name = limited ? "archived-limited" : "archived";
        try (Storage corpus = direct().open("s3://corpus/" + name + "/")) {
            for (String file : new String[] {"a.jsonl", "b.jsonl"}) {
                StringBuilder lines = new StringBuilder();
                for (int i = 0; i < 5; i++) {
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
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort())) {
            proxy.forbidOnly("GET", "/corpus/" + name + "/a.jsonl", "InvalidObjectState");
            Path secret = Files.createDirectories(dir.resolve("secret"));
            Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "test-access");
            Files.writeString(secret.resolve("AWS_SECRET_ACCESS_KEY"), "test-secret");
            Files.writeString(secret.resolve("AWS_ENDPOINT_URL_S3"), proxy.endpoint());
            WorkerEnvironment environment = new WorkerEnvironment(Map.of(
                    "PALIMPSEST_INPUT_CREDENTIALS_DIR", secret.toString(),
                    "PALIMPSEST_OUTPUT_CREDENTIALS_DIR", secret.toString()));
            Path job = writeJob(name, limited);
            var loaded = new JobManifests().load(job);
            ObjectMapper json = new ObjectMapper();

            InvalidJobException refused;
            try (JobRuntime runtime = new JobRuntime(loaded.job(), environment, json)) {
                refused = assertThrows(InvalidJobException.class, () -> PlanCommand.plan(runtime, json, false));
            }

            String message = refused.getMessage();
            assertTrue(
                    message.startsWith("input file s3://corpus/" + name + "/a.jsonl is archived and cannot be read"
                            + " until it is restored"),
                    message);
            assertTrue(message.contains("InvalidObjectState"), message);
            try (Storage out = direct().open("s3://out/" + name + "/")) {
                assertEquals(0, out.list("").size(), "nothing written before the refusal");
            }
        }
    }

    /**
     * A file the planner meets only in its duplicate-id pass (the sample read the first file, and no
     * limit counts items): it read the file and knows its shard cannot be, so the plan is refused the
     * same way, naming the file, instead of a plan with a shard known to fail.
     */
    @Test
    void anArchivedFileMetOnlyWhileIndexingIdsRefusesThePlanNamingTheFile() throws Exception {
        String name = "archived-indexed";
        upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort())) {
            proxy.forbidOnly("GET", "/corpus/" + name + "/b.jsonl", "InvalidObjectState");
            WorkerEnvironment environment = environmentThrough(proxy);
            var loaded = new JobManifests().load(writeJob(name, false));
            ObjectMapper json = new ObjectMapper();

            InvalidJobException refused;
            try (JobRuntime runtime = new JobRuntime(loaded.job(), environment, json)) {
                refused = assertThrows(InvalidJobException.class, () -> PlanCommand.plan(runtime, json, false));
            }

            String message = refused.getMessage();
            assertTrue(
                    message.startsWith("input file s3://corpus/" + name + "/b.jsonl is archived and cannot be read"
                            + " until it is restored"),
                    message);
            assertTrue(message.contains("InvalidObjectState"), message);
            try (Storage out = direct().open("s3://out/" + name + "/")) {
                assertFalse(out.exists(DuplicateIdIndex.INDEX_KEY), "no duplicate-id index: no worker runs the plan");
            }
        }
    }

    private void upload(String name) throws IOException {
        try (Storage corpus = direct().open("s3://corpus/" + name + "/")) {
            for (String file : new String[] {"a.jsonl", "b.jsonl"}) {
                StringBuilder lines = new StringBuilder();
                for (int i = 0; i < 5; i++) {
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

    private WorkerEnvironment environmentThrough(OutageProxy proxy) throws IOException {
        Path secret = Files.createDirectories(dir.resolve("secret"));
        Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "test-access");
        Files.writeString(secret.resolve("AWS_SECRET_ACCESS_KEY"), "test-secret");
        Files.writeString(secret.resolve("AWS_ENDPOINT_URL_S3"), proxy.endpoint());
        return new WorkerEnvironment(Map.of(
                "PALIMPSEST_INPUT_CREDENTIALS_DIR", secret.toString(),
                "PALIMPSEST_OUTPUT_CREDENTIALS_DIR", secret.toString()));
    }

    private Path writeJob(String name, boolean limited) throws IOException {
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
                  name: archived
                spec:
                  modelRef: {name: sim}
                  input:
                    uri: s3://corpus/%s/
                %s
                  output:
                    uri: s3://out/%s/
                  sharding:
                    filesPerShard: 1
                  recipe:
                    prompts:
                      - name: plain
                        user: "Rewrite the document. <document>{{ text }}</document>"
                """.formatted(name, limited ? "    limit: 7" : "", name));
        return file;
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
