package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.testing.S3MockServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** {@link NestedOutputs} on a real S3 API (S3Mock): a plan above the output, a _palimpsest/ below it, one apart. */
class NestedOutputsS3Test {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    StorageResolver resolver;

    @BeforeEach
    void planAnOutput() throws Exception {
        S3Options options = new S3Options(
                Optional.of(URI.create("http://localhost:" + S3.getHttpPort())),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        resolver = new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options);
        try (Storage planned = resolver.open("s3://out/nest/a/")) {
            planned.put(ShardManifest.KEY, "{}\n".getBytes(StandardCharsets.UTF_8));
            planned.put("wiki/shard-00000.jsonl", "{}\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void anOutputBelowAPlanIsRefusedNamingIt() throws Exception {
        try (Storage output = resolver.open("s3://out/nest/a/b/c")) {
            InvalidJobException refused = assertThrows(
                    InvalidJobException.class,
                    () -> NestedOutputs.refuse("s3://out/nest/a/b/c", output, resolver::open));
            assertTrue(
                    refused.getMessage()
                            .startsWith("spec.output.uri s3://out/nest/a/b/c is inside another output: s3://out/nest/a/"
                                    + " holds a plan (s3://out/nest/a/_palimpsest/manifest.jsonl)"),
                    refused.getMessage());
        }
    }

    @Test
    void anOutputAroundOneIsRefusedNamingIt() throws Exception {
        try (Storage output = resolver.open("s3://out/nest")) {
            InvalidJobException refused = assertThrows(
                    InvalidJobException.class, () -> NestedOutputs.refuse("s3://out/nest", output, resolver::open));
            assertTrue(
                    refused.getMessage()
                            .startsWith("spec.output.uri s3://out/nest holds another output: s3://out/nest/a has its"
                                    + " own _palimpsest/ (s3://out/nest/a/_palimpsest/manifest.jsonl)"),
                    refused.getMessage());
        }
    }

    @Test
    void anOutputBesideOneOrTheSameIsNotRefused() throws Exception {
        try (Storage beside = resolver.open("s3://out/nest/a-2/");
                Storage same = resolver.open("s3://out/nest/a")) {
            assertDoesNotThrow(() -> NestedOutputs.refuse("s3://out/nest/a-2/", beside, resolver::open));
            assertDoesNotThrow(() -> NestedOutputs.refuse("s3://out/nest/a", same, resolver::open));
        }
    }

    @Test
    void aRetryRoundIsPartOfItsCampaignsOutput() throws Exception {
        try (Storage round = resolver.open("s3://out/nest/a/retries/round-001/");
                Storage campaign = resolver.open("s3://out/nest/a")) {
            assertDoesNotThrow(() -> NestedOutputs.refuse("s3://out/nest/a/retries/round-001/", round, resolver::open));
            round.put(ShardManifest.KEY, "{}\n".getBytes(StandardCharsets.UTF_8));
            assertDoesNotThrow(() -> NestedOutputs.refuse("s3://out/nest/a", campaign, resolver::open));
        }
        // an output under a round is no round
        try (Storage inner = resolver.open("s3://out/nest/a/retries/round-001/x")) {
            assertThrows(
                    InvalidJobException.class,
                    () -> NestedOutputs.refuse("s3://out/nest/a/retries/round-001/x", inner, resolver::open));
        }
    }
}
