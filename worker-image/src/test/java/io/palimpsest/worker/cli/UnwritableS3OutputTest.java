package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.UnwritableOutput;
import io.palimpsest.worker.storage.KeyFilter;
import io.palimpsest.worker.storage.OutageProxy;
import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.storage.StoredObject;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * An S3 output whose bucket policy denies writes under one folder a shard writes in ({@code _palimpsest/receipts/}, a
 * variant's folder), and allows the rest: the planner refuses the plan (exit 78, {@code PlanningFailed}) naming
 * {@code spec.output.uri}, the folder and the store's code, where every worker sent a shard through the model and
 * failed at its first write there.
 */
class UnwritableS3OutputTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"_palimpsest/receipts/", "_palimpsest/checkpoints/", "_palimpsest/rejects/", "plain/"})
    void aFolderTheShardsWriteInThatAPolicyDeniesRefusesThePlan(String folder) throws Exception {
        String name = "denied-" + folder.replace("/", "").replace("_", "");
        upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort())) {
            proxy.forbidUnder("PUT", "/out/" + name + "/" + folder, "AccessDenied");

            InvalidJobException refused = assertThrows(InvalidJobException.class, () -> plan(proxy, name));

            String message = refused.getMessage();
            assertTrue(message.startsWith("spec.output.uri s3://out/" + name + "/: "), message);
            assertTrue(message.contains("s3://out/" + name + "/" + folder), message);
            assertTrue(message.contains("AccessDenied"), message);
            assertEquals(
                    List.of("spec.output.uri"),
                    refused.about().stream().map(f -> f.path()).toList());
            try (Storage out = direct().open("s3://out/" + name + "/")) {
                assertEquals(List.of(), out.list(""), "nothing written, no probe left");
            }
        }
    }

    /** Allowed everywhere, the plan is stored and its probes leave nothing behind. */
    @Test
    void anOutputWrittenEverywhereIsPlannedAndItsProbesAreDeleted() throws Exception {
        String name = "allowed";
        upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort())) {
            plan(proxy, name);
        }
        try (Storage out = direct().open("s3://out/" + name + "/")) {
            List<String> keys = out.list("").stream().map(StoredObject::key).toList();
            assertTrue(keys.contains(ShardManifest.KEY), keys.toString());
            assertTrue(keys.stream().noneMatch(k -> k.contains(UnwritableOutput.WRITE_PROBE)), keys.toString());
        }
    }

    /**
     * A write-once policy (objects may be written under a variant's folder, never deleted) lets the shards write their
     * outputs: the plan is stored, and only the probe stays, under a name every reader of the folder skips.
     */
    @Test
    void aFolderWhoseDeletesAPolicyDeniesIsPlannedAndKeepsOnlyAHiddenProbe() throws Exception {
        String name = "write-once";
        upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort())) {
            proxy.forbidUnder("DELETE", "/out/" + name + "/plain/", "AccessDenied");
            plan(proxy, name);
        }
        try (Storage out = direct().open("s3://out/" + name + "/")) {
            List<String> keys = out.list("").stream().map(StoredObject::key).toList();
            assertTrue(keys.contains(ShardManifest.KEY), keys.toString());
            List<String> left = keys.stream()
                    .filter(k -> k.contains(UnwritableOutput.WRITE_PROBE))
                    .toList();
            assertEquals(1, left.size(), keys.toString());
            assertTrue(left.get(0).startsWith("plain/" + UnwritableOutput.WRITE_PROBE), left.toString());
            assertFalse(
                    new KeyFilter(List.of(), List.of()).test(left.get(0).substring("plain/".length())),
                    "a job reading the variant's folder skips the probe");
        }
    }

    /**
     * A first plan killed between a variant folder's probe and its delete (or refused its delete, then failed for
     * another reason before its manifest) leaves the probe in a new output: the next plan takes that folder for the
     * campaign's own, not for someone's files.
     */
    @Test
    void aProbeLeftByAKilledFirstPlanIsNotTakenForSomeonesFiles() throws Exception {
        String name = "leftover";
        upload(name);
        try (Storage out = direct().open("s3://out/" + name + "/")) {
            out.put("plain/" + UnwritableOutput.WRITE_PROBE + "0b5e", new byte[0]);
        }
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort())) {
            plan(proxy, name);
        }
        try (Storage out = direct().open("s3://out/" + name + "/")) {
            List<String> keys = out.list("").stream().map(StoredObject::key).toList();
            assertTrue(keys.contains(ShardManifest.KEY), keys.toString());
        }
    }

    private void plan(OutageProxy proxy, String name) throws Exception {
        Path secret = Files.createDirectories(dir.resolve("secret"));
        Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "test-access");
        Files.writeString(secret.resolve("AWS_SECRET_ACCESS_KEY"), "test-secret");
        Files.writeString(secret.resolve("AWS_ENDPOINT_URL_S3"), proxy.endpoint());
        WorkerEnvironment environment = new WorkerEnvironment(Map.of(
                "PALIMPSEST_INPUT_CREDENTIALS_DIR", secret.toString(),
                "PALIMPSEST_OUTPUT_CREDENTIALS_DIR", secret.toString()));
        var loaded = new JobManifests().load(writeJob(name));
        ObjectMapper json = new ObjectMapper();
        try (JobRuntime runtime = new JobRuntime(loaded.job(), environment, json)) {
            PlanCommand.plan(runtime, json, false);
        }
    }

    private void upload(String name) throws IOException {
        try (Storage corpus = direct().open("s3://corpus/" + name + "/")) {
            for (String file : new String[] {"a.jsonl", "b.jsonl"}) {
                StringBuilder lines = new StringBuilder();
                for (int i = 0; i < 3; i++) {
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

    private Path writeJob(String name) throws IOException {
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
                  name: probes
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
