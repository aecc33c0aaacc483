package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.JobPlanner;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.KeyFilter;
import io.palimpsest.worker.storage.ManyReads;
import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.testing.S3MockServer;
import io.palimpsest.worker.testing.TestRunSettings;
import io.palimpsest.worker.testing.UppercaseProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * On S3: a worker of one plan whose output is emptied and planned again, with another file as shard 0, while it
 * answers its documents. It commits nothing into the new plan (its receipt would name the old plan's file under the
 * new plan's shard 0), and the new plan's worker of shard 0 commits that shard's own documents.
 */
class ReplannedOutputS3Test {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aWorkerOfAReplacedPlanCommitsNothingIntoTheNewPlan() throws IOException {
        StorageResolver store = store();
        try (Storage input = store.open("s3://corpus/replanned/");
                Storage output = store.open("s3://out/replanned/")) {
            input.put("b.jsonl", lines("beta", 10).getBytes(StandardCharsets.UTF_8));
            plan(input, output);
            ShardManifest.Planned first = new ShardManifest(json).locate(output, 0);
            AtomicBoolean replanned = new AtomicBoolean();
            UppercaseProcessor processor = new UppercaseProcessor(document -> {
                if (replanned.compareAndSet(false, true)) {
                    // while the first plan's worker answers: the output emptied, and planned again with a larger file
                    try {
                        output.deleteAll("");
                        input.put("a.jsonl", lines("alpha", 30).getBytes(StandardCharsets.UTF_8));
                        plan(input, output);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return null;
            });

            ShardRunner.Report stale = runner(input, output, processor).run(first.shard(), first.manifestSha256());

            String second = PlanIdentity.inForce(output);
            assertNotEquals(first.manifestSha256(), second);
            assertEquals(ExitCodes.BAD_DATA, stale.exitCode(), stale.summary().getMessage());
            assertEquals(ShardSummary.Outcome.badData, stale.summary().getOutcome());
            assertEquals("plan_replaced", stale.summary().getReason());
            String message = stale.summary().getMessage();
            assertTrue(
                    message.contains("found the plan at s3://out/replanned/_palimpsest/manifest.jsonl replaced"),
                    message);
            assertTrue(message.contains("this attempt ran under plan " + first.manifestSha256()), message);
            assertTrue(message.contains("the plan in force is " + second), message);
            assertFalse(output.exists("_palimpsest/receipts/shard-00000.json"), "nothing committed into the new plan");

            ShardManifest.Planned current = new ShardManifest(json).locate(output, 0);
            assertEquals(second, current.manifestSha256());
            ShardRunner.Report report =
                    runner(input, output, new UppercaseProcessor()).run(current.shard(), current.manifestSha256());

            assertEquals(ExitCodes.DONE, report.exitCode(), report.summary().getMessage());
            assertEquals(ShardSummary.Outcome.committed, report.summary().getOutcome());
            assertEquals(30, report.summary().getRead(), "the new plan's shard 0: a.jsonl");
            Receipt receipt = json.readValue(output.readAll("_palimpsest/receipts/shard-00000.json"), Receipt.class);
            assertEquals(second, receipt.planSha256());
            Tally tally = new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(output, null);
            assertEquals(30, tally.getRead());
            assertEquals(30, tally.getWritten());
        }
    }

    private void plan(Storage input, Storage output) throws IOException {
        new JobPlanner(new ShardPlanner(new ShardingPolicy(1, null)), new ShardManifest(json))
                .plan(new InputRoot(input, Optional.empty()), new KeyFilter(List.of("*.jsonl"), List.of()), output);
    }

    private static String lines(String word, int documents) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < documents; i++) {
            out.append("{\"id\":\"")
                    .append(word)
                    .append('-')
                    .append(i)
                    .append("\",\"text\":\"")
                    .append(word)
                    .append(' ')
                    .append(i)
                    .append("\"}\n");
        }
        return out.toString();
    }

    private static StorageResolver store() {
        S3Options options = new S3Options(
                Optional.of(URI.create("http://localhost:" + S3.getHttpPort())),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        return new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options);
    }

    private ShardRunner runner(Storage input, Storage output, UppercaseProcessor processor) throws IOException {
        return new ShardRunner(
                input,
                output,
                new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20),
                processor,
                TestRunSettings.of(0, "w", 100, 64, Compression.GZIP, Files.createTempDirectory(dir, "tmp")),
                json,
                new RunProgress());
    }
}
