package io.palimpsest.worker.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.JobPlanner;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.RunSettings;
import io.palimpsest.worker.run.ShardRunner;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.Outputs;
import io.palimpsest.worker.testing.S3MockServer;
import io.palimpsest.worker.testing.TestRunSettings;
import io.palimpsest.worker.testing.UppercaseProcessor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Object bodies cut short by the network, as real object stores and proxies do to a reader that is
 * slow or idle for minutes (S3Mock alone never cuts one): a {@link CuttingProxy} in front of S3Mock
 * closes GETs of one key after a number of bytes, with the real Content-Length already sent.
 */
class CutObjectReadsTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    /** Short waits between resumes, so the tests do not sit through the production backoff. */
    private static final Duration TEST_RESUME_DELAY = Duration.ofMillis(5);

    private static S3Client directClient;

    @TempDir
    Path dir;

    @BeforeAll
    static void connect() {
        directClient = StorageResolver.s3Client(options(S3.getHttpPort()));
    }

    @AfterAll
    static void done() {
        directClient.close();
    }

    @Test
    void aJsonlBodyCutSeveralTimesIsReadWholeByResuming() throws IOException {
        byte[] content = jsonl(2000);
        direct("cut-jsonl").put("a.jsonl", content);
        try (CuttingProxy proxy = new CuttingProxy(S3.getHttpPort(), "/corpus/cut-jsonl/a.jsonl", 40_000, 3);
                S3Storage storage = throughProxy(proxy, "cut-jsonl")) {
            byte[] read;
            try (InputStream in = storage.open("a.jsonl")) {
                read = in.readAllBytes();
            }
            assertEquals(content.length, read.length);
            assertArrayEquals(content, read);
            assertEquals(3, proxy.cutsMade());
            assertEquals(
                    List.of("", "bytes=40000-197779", "bytes=80000-197779", "bytes=120000-197779"), proxy.ranges());
        }
    }

    @Test
    void aZstdBodyCutMidFrameDecompressesWhole() throws IOException {
        byte[] plain = jsonl(5000);
        byte[] compressed = compress(plain);
        assertTrue(compressed.length > 9_000, "both cuts must fall inside the compressed body");
        direct("cut-zst").put("a.jsonl.zst", compressed);
        try (CuttingProxy proxy = new CuttingProxy(S3.getHttpPort(), "/corpus/cut-zst/a.jsonl.zst", 3_000, 2);
                S3Storage storage = throughProxy(proxy, "cut-zst")) {
            try (InputStream in = storage.open("a.jsonl.zst")) {
                assertArrayEquals(compressed, in.readAllBytes());
            }
            assertEquals(2, proxy.cutsMade());
            try (InputStream in = Compression.ZSTD.decompress(storage.open("a.jsonl.zst"))) {
                assertArrayEquals(plain, in.readAllBytes());
            }
        }
    }

    @Test
    void cutsPastTheBoundFailTheReadInsteadOfEndingItShort() throws IOException {
        byte[] content = jsonl(500);
        direct("cut-always").put("a.jsonl", content);
        try (CuttingProxy proxy = new CuttingProxy(S3.getHttpPort(), "/corpus/cut-always/a.jsonl", 0, 1000);
                S3Storage storage = throughProxy(proxy, "cut-always")) {
            IOException failure;
            try (InputStream in = storage.open("a.jsonl")) {
                failure = assertThrows(IOException.class, in::readAllBytes);
            }
            assertFalse(failure instanceof EOFException, "an EOFException reads as a truncated file: " + failure);
            String message = failure.getMessage();
            assertTrue(message.contains("cut-always/a.jsonl"), message);
            assertTrue(message.contains("offset 0 of " + content.length), message);
            assertEquals(S3Storage.READ_RESUMES + 1, proxy.cutsMade());
        }
    }

    @Test
    void anObjectReplacedWhileItIsReadIsAnErrorNotASplice() throws IOException {
        byte[] before = jsonl(1000);
        Storage direct = direct("replaced");
        direct.put("a.jsonl", before);
        try (CuttingProxy proxy = new CuttingProxy(S3.getHttpPort(), "/corpus/replaced/a.jsonl", 10_000, 1);
                S3Storage storage = throughProxy(proxy, "replaced")) {
            try (InputStream in = storage.open("a.jsonl")) {
                assertEquals(10_000, in.readNBytes(10_000).length);
                direct.put("a.jsonl", jsonl(1200));
                ObjectReadException failure = assertThrows(ObjectReadException.class, in::readAllBytes);
                assertTrue(failure.getMessage().contains("was replaced while it was read"), failure.getMessage());
            }
        }
    }

    @Test
    void aShardWhoseInputIsCutCommitsEveryDocument() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path local = dir.resolve("corpus/in.jsonl");
        List<String> ids = Corpus.writeJsonl(local, "doc", 3000);
        Storage output = direct("shard-out");
        direct("shard-in").put("in.jsonl", local);
        try (CuttingProxy proxy = new CuttingProxy(S3.getHttpPort(), "/corpus/shard-in/in.jsonl", 100_000, 2);
                S3Storage input = throughProxy(proxy, "shard-in")) {
            ShardRunner.Report report = runOneShard(json, input, output);

            assertEquals(
                    ExitCodes.DONE,
                    report.exitCode(),
                    String.valueOf(report.summary().getMessage()));
            assertEquals(ids.size(), report.summary().getRead());
            assertEquals(ids.size(), report.summary().getWritten());
            assertEquals(2, proxy.cutsMade());
            assertEquals(
                    ids.stream().sorted().toList(),
                    Outputs.ids(output, "upper/shard-00000.jsonl.gz").stream()
                            .sorted()
                            .toList());
        }
    }

    @Test
    void aCompressedInputCutPastTheBoundIsARetryNotBadData() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path local = dir.resolve("corpus/in.jsonl");
        Corpus.writeJsonl(local, "doc", 3000);
        Storage output = direct("bound-out");
        direct("bound-in").put("in.jsonl.zst", compress(Files.readAllBytes(local)));
        try (CuttingProxy proxy = new CuttingProxy(S3.getHttpPort(), "/corpus/bound-in/in.jsonl.zst", 0, 1000);
                S3Storage input = throughProxy(proxy, "bound-in")) {
            ShardRunner.Report report = runOneShard(json, input, output);

            assertNotEquals(
                    ExitCodes.BAD_DATA, report.exitCode(), report.summary().getMessage());
            assertEquals(ExitCodes.FAILED, report.exitCode(), report.summary().getMessage());
            assertEquals(ShardSummary.Outcome.error, report.summary().getOutcome());
            assertEquals(ShardReason.INPUT_UNREADABLE.code(), report.summary().getReason());
            assertTrue(
                    report.summary().getMessage().endsWith("the shard is retried from its last checkpoint"),
                    report.summary().getMessage());
            assertFalse(output.exists("_palimpsest/receipts/shard-00000.json"));
        }
    }

    private ShardRunner.Report runOneShard(ObjectMapper json, Storage input, Storage output) throws IOException {
        JobPlanner.Result plan = new JobPlanner(
                        new ShardPlanner(new ShardingPolicy(null, 1L << 30)), new ShardManifest(json))
                .plan(new InputRoot(input, Optional.empty()), new KeyFilter(List.of("*.jsonl*"), List.of()), output);
        assertEquals(1, plan.shardCount());
        DocumentReaders readers = new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
        RunSettings settings =
                TestRunSettings.of(0, "cut-writer", 500, 32, Compression.GZIP, Files.createTempDirectory(dir, "tmp"));
        return new ShardRunner(input, output, readers, new UppercaseProcessor(), settings, json, new RunProgress())
                .run(new ShardManifest(json).readShard(output, 0));
    }

    private static byte[] jsonl(int documents) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < documents; i++) {
            out.append("{\"id\":\"d-")
                    .append(i)
                    .append("\",\"text\":\"")
                    .append(Corpus.sentence(i))
                    .append("\"}\n");
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] compress(byte[] plain) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (OutputStream out = Compression.ZSTD.compress(buffer);
                InputStream in = new ByteArrayInputStream(plain)) {
            in.transferTo(out);
        }
        return buffer.toByteArray();
    }

    /** Straight to S3Mock, for writing the inputs and the output; the client is closed after all tests. */
    private static Storage direct(String prefix) {
        return new S3Storage(directClient, "corpus", prefix);
    }

    private static S3Storage throughProxy(CuttingProxy proxy, String prefix) {
        return new S3Storage(
                StorageResolver.s3Client(options(proxy.port())),
                "corpus",
                prefix,
                TEST_RESUME_DELAY,
                StoreGate.DEFAULT_MAX_OUTAGE,
                StoreGate.FIRST_PROBE);
    }

    private static S3Options options(int port) {
        return new S3Options(
                Optional.of(URI.create("http://localhost:" + port)),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
    }
}
