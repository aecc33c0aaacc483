package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.JobPlanner;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.KeyFilter;
import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.testing.S3MockServer;
import io.palimpsest.worker.testing.TestRunSettings;
import io.palimpsest.worker.testing.UppercaseProcessor;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * An {@code s3://} input file rewritten between planning and its shard's run to other bytes of the same size (a
 * typo fixed in place, a re-export): its size says nothing, so the plan's ETag of it does. The shard fails as bad
 * data naming the file before any document is sent, instead of committing documents the plan never counted or
 * deduplicated under the plan's items.
 */
class RewrittenInputS3Test {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aFileRewrittenToTheSameSizeSincePlanningFailsItsShardAsBadDataNamingIt() throws IOException {
        StorageResolver store = store();
        try (Storage input = store.open("s3://corpus/rewritten/");
                Storage output = store.open("s3://out/rewritten/")) {
            input.put("in.jsonl", lines("alpha").getBytes(StandardCharsets.UTF_8));
            new JobPlanner(new ShardPlanner(new ShardingPolicy(null, 1L << 30)), new ShardManifest(json))
                    .plan(new InputRoot(input, Optional.empty()), new KeyFilter(List.of("*.jsonl"), List.of()), output);
            input.put("in.jsonl", lines("omega").getBytes(StandardCharsets.UTF_8));
            assertEquals(lines("alpha").length(), input.size("in.jsonl"), "the same size");

            UppercaseProcessor processor = new UppercaseProcessor();
            ShardRunner.Report report = runFirstShard(input, output, processor);

            assertEquals(ExitCodes.BAD_DATA, report.exitCode(), report.summary().getMessage());
            assertEquals(ShardSummary.Outcome.badData, report.summary().getOutcome());
            String message = report.summary().getMessage();
            assertTrue(
                    message.startsWith("input file s3://corpus/rewritten/in.jsonl changed since it was planned"),
                    message);
            assertTrue(
                    message.contains("the plan read it with ETag \"") && message.contains("it now has ETag \""),
                    message);
            assertEquals(0, processor.calls.get(), "no document was sent");
            assertFalse(output.exists("_palimpsest/receipts/shard-00000.json"), "nothing committed");
        }
    }

    /**
     * A plan an earlier version stored over the same input records no ETags: it is the same plan, kept as it is, not
     * a changed input (which would be planned again, or warned about once work started).
     */
    @Test
    void aPlanOfAnEarlierVersionWithoutEtagsIsTheSamePlan() throws IOException {
        StorageResolver store = store();
        try (Storage input = store.open("s3://corpus/earlier/");
                Storage output = store.open("s3://out/earlier/")) {
            input.put("in.jsonl", lines("alpha").getBytes(StandardCharsets.UTF_8));
            JobPlanner planner =
                    new JobPlanner(new ShardPlanner(new ShardingPolicy(null, 1L << 30)), new ShardManifest(json));
            KeyFilter filter = new KeyFilter(List.of("*.jsonl"), List.of());
            planner.plan(new InputRoot(input, Optional.empty()), filter, output);
            String planned = new String(output.readAll(ShardManifest.KEY), StandardCharsets.UTF_8);
            assertTrue(planned.contains("\"version\":\"ETag \\\""), planned);
            StringBuilder earlier = new StringBuilder();
            for (String line : planned.split("\n")) {
                ObjectNode shard = (ObjectNode) json.readTree(line);
                shard.get("files").forEach(file -> ((ObjectNode) file).remove("version"));
                earlier.append(json.writeValueAsString(shard)).append('\n');
            }
            output.put(ShardManifest.KEY, earlier.toString().getBytes(StandardCharsets.UTF_8));

            JobPlanner.Result again = planner.plan(new InputRoot(input, Optional.empty()), filter, output);

            assertFalse(again.existingDiffers(), String.valueOf(again.difference()));
            assertFalse(again.written());
            assertEquals(
                    earlier.toString(),
                    new String(output.readAll(ShardManifest.KEY), StandardCharsets.UTF_8),
                    "kept as it is");
        }
    }

    /**
     * The version that first recorded ETags wrote them as {@code etag}, the store's words as they came: such a plan
     * is the same plan, kept as it is, and its ETags are compared as this version's are.
     */
    @Test
    void aPlanThatRecordedEtagsAsEtagIsKeptAsItIsAndItsEtagsCompared() throws IOException {
        StorageResolver store = store();
        try (Storage input = store.open("s3://corpus/etag-field/");
                Storage output = store.open("s3://out/etag-field/")) {
            input.put("in.jsonl", lines("alpha").getBytes(StandardCharsets.UTF_8));
            JobPlanner planner =
                    new JobPlanner(new ShardPlanner(new ShardingPolicy(null, 1L << 30)), new ShardManifest(json));
            KeyFilter filter = new KeyFilter(List.of("*.jsonl"), List.of());
            planner.plan(new InputRoot(input, Optional.empty()), filter, output);
            StringBuilder earlier = new StringBuilder();
            for (String line : new String(output.readAll(ShardManifest.KEY), StandardCharsets.UTF_8).split("\n")) {
                ObjectNode shard = (ObjectNode) json.readTree(line);
                shard.get("files").forEach(file -> {
                    String version = ((ObjectNode) file).remove("version").asText();
                    assertTrue(version.startsWith("ETag \""), version);
                    ((ObjectNode) file).put("etag", version.substring("ETag ".length()));
                });
                earlier.append(json.writeValueAsString(shard)).append('\n');
            }
            assertTrue(earlier.toString().contains("\"etag\":\"\\\""), earlier.toString());
            output.put(ShardManifest.KEY, earlier.toString().getBytes(StandardCharsets.UTF_8));

            JobPlanner.Result again = planner.plan(new InputRoot(input, Optional.empty()), filter, output);

            assertFalse(again.existingDiffers(), String.valueOf(again.difference()));
            assertFalse(again.written());
            assertEquals(
                    earlier.toString(),
                    new String(output.readAll(ShardManifest.KEY), StandardCharsets.UTF_8),
                    "kept as it is");

            input.put("in.jsonl", lines("omega").getBytes(StandardCharsets.UTF_8));
            UppercaseProcessor processor = new UppercaseProcessor();
            ShardRunner.Report report = runFirstShard(input, output, processor);

            assertEquals(ExitCodes.BAD_DATA, report.exitCode(), report.summary().getMessage());
            assertTrue(
                    report.summary().getMessage().contains("the plan read it with ETag \""),
                    report.summary().getMessage());
            assertEquals(0, processor.calls.get(), "no document was sent");
        }
    }

    private static String lines(String word) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            text.append("{\"id\":\"d-")
                    .append(i)
                    .append("\",\"text\":\"")
                    .append(word)
                    .append(' ')
                    .append(i);
            text.append("\"}\n");
        }
        return text.toString();
    }

    private static StorageResolver store() {
        S3Options options = new S3Options(
                Optional.of(URI.create("http://localhost:" + S3.getHttpPort())),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        return new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options);
    }

    /** Runs the plan's shard 0 as a worker does. */
    private ShardRunner.Report runFirstShard(Storage input, Storage output, UppercaseProcessor processor)
            throws IOException {
        return new ShardRunner(
                        input,
                        output,
                        new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20),
                        processor,
                        TestRunSettings.of(0, "w", 100, 64, Compression.GZIP, Files.createTempDirectory(dir, "tmp")),
                        json,
                        new RunProgress())
                .run(new ShardManifest(json).readShard(output, 0));
    }
}
