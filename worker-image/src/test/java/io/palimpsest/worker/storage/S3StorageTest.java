package io.palimpsest.worker.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.plan.JobPlanner;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.RunSettings;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.run.ShardRunner;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.Outputs;
import io.palimpsest.worker.testing.S3MockServer;
import io.palimpsest.worker.testing.TestRunSettings;
import io.palimpsest.worker.testing.UppercaseProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartCopyRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * s3:// against a real S3 API server (S3Mock): listing, ranges, conditional create, multipart assembly, a whole shard.
 * S3Mock honours {@code If-None-Match: *} but checks and writes non-atomically, so concurrent creates can all
 * succeed there (AWS, MinIO and R2 serialise them); the racing case is tested on {@link FileStorage}.
 */
class S3StorageTest {

    private static final long MIB = 1024L * 1024;

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    private static StorageResolver resolver;

    @TempDir
    Path dir;

    @BeforeAll
    static void connect() {
        S3Options options = new S3Options(
                Optional.of(URI.create("http://localhost:" + S3.getHttpPort())),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        resolver = new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options);
    }

    @AfterAll
    static void done() {
        resolver = null;
    }

    /**
     * What is a refusal of the job's credentials (exit 78, the job stops), what is an archived object
     * (the shard's input unreadable), and what fails only the attempt: a 403 refuses the credentials
     * only with their codes or with none (a HEAD); the default chain finding no credentials is a
     * moment's failure; a mounted Secret that cannot give them is a refusal.
     */
    @Test
    void aRefusalOfTheCredentialsIsTheirCodesOrAnUnusableSecretNotAnyForbiddenAnswer() {
        record Row(String what, SdkException failure, boolean refusal, boolean archived, boolean noCredentials) {}
        List<Row> rows = List.of(
                new Row("403 AccessDenied", answered(403, "AccessDenied"), true, false, false),
                new Row("403 InvalidAccessKeyId", answered(403, "InvalidAccessKeyId"), true, false, false),
                new Row("403 SignatureDoesNotMatch", answered(403, "SignatureDoesNotMatch"), true, false, false),
                new Row("400 InvalidToken", answered(400, "InvalidToken"), true, false, false),
                new Row("403 of a HEAD (no code)", answered(403, null), true, false, false),
                new Row("403 of a HEAD (status line as code)", answered(403, "403 Forbidden"), true, false, false),
                new Row("403 InvalidObjectState", answered(403, "InvalidObjectState"), false, true, false),
                new Row("403 AccountProblem", answered(403, "AccountProblem"), false, false, false),
                new Row("403 RequestTimeTooSkewed", answered(403, "RequestTimeTooSkewed"), false, false, false),
                new Row("400 ExpiredToken", answered(400, "ExpiredToken"), false, false, false),
                new Row("404 NoSuchBucket", answered(404, "NoSuchBucket"), false, false, false),
                new Row(
                        "default chain: no credentials",
                        SdkClientException.create("Unable to load credentials from any of the providers in the chain"
                                + " AwsCredentialsProviderChain(credentialsProviders=[...])"),
                        false,
                        false,
                        true),
                new Row(
                        "mounted Secret without its secret key",
                        SdkClientException.create(
                                "cannot sign the request",
                                new SecretDirectoryCredentials.Unusable(
                                        "secret directory /secrets/output has none of the files"
                                                + " [AWS_SECRET_ACCESS_KEY]",
                                        null)),
                        true,
                        false,
                        false));
        for (Row row : rows) {
            assertEquals(row.refusal(), S3Storage.refusal(row.failure()).isPresent(), row.what());
            assertEquals(row.archived(), S3Storage.archived(row.failure()), row.what());
            assertEquals(row.noCredentials(), S3Storage.noCredentialsFound(row.failure()), row.what());
        }
    }

    private static SdkException answered(int status, String code) {
        return (SdkException) S3Exception.builder()
                .statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build())
                .build();
    }

    @Test
    void listsRecursivelyUnderAPrefixAndReadsRanges() throws IOException {
        try (Storage storage = resolver.open("s3://corpus/list-test")) {
            storage.put("b/two.jsonl", "two".getBytes(StandardCharsets.UTF_8));
            storage.put("a.jsonl", "0123456789".getBytes(StandardCharsets.UTF_8));
            List<StoredObject> all = storage.list("");
            assertEquals(
                    List.of(new StoredObject("a.jsonl", 10), new StoredObject("b/two.jsonl", 3)), keysAndSizes(all));
            assertTrue(
                    all.stream().allMatch(o -> o.version().startsWith("ETag \"")),
                    "the store's ETags, which the plan records: " + all);
            assertEquals(all.get(0).version(), storage.stat("a.jsonl").version(), "a HEAD gives the listing's ETag");
            try (InputStream range = storage.openRange("a.jsonl", 3, 7)) {
                assertEquals("3456", new String(range.readAllBytes(), StandardCharsets.UTF_8));
            }
            assertTrue(storage.exists("a.jsonl"));
            assertFalse(storage.exists("missing.jsonl"));
        }
    }

    /**
     * A range read as a version is asked for under If-Match on its ETag: one of an object rewritten since fails as
     * changed rather than reading the new bytes as the old object's.
     */
    @Test
    void aRangeOfAVersionRewrittenSinceFailsAsChanged() throws IOException {
        try (Storage storage = resolver.open("s3://corpus/pinned")) {
            storage.put("a.parquet", "0123456789".getBytes(StandardCharsets.UTF_8));
            String version = storage.stat("a.parquet").version();
            try (InputStream range = storage.openRange("a.parquet", 3, 7, version)) {
                assertEquals("3456", new String(range.readAllBytes(), StandardCharsets.UTF_8));
            }
            storage.put("a.parquet", "abcdefghij".getBytes(StandardCharsets.UTF_8));

            ObjectChangedException changed = org.junit.jupiter.api.Assertions.assertThrows(
                    ObjectChangedException.class, () -> storage.openRange("a.parquet", 3, 7, version));

            assertEquals(
                    "s3://corpus/pinned/a.parquet changed while it was read: it was read as " + version
                            + ", the store no longer has that ETag (HTTP 412)",
                    changed.getMessage());
        }
    }

    /**
     * A store, or a proxy before it, that does not honour {@code Range} answers 200 with the whole object: a range
     * read from it (a byte-range shard of a JSON lines file) would take the object's first bytes for the range's and
     * commit other documents than the plan's, found only once more came than the range holds: it fails at once,
     * naming what was asked and what came (a range from the object's start too, whose end would come late).
     */
    @Test
    void aStoreThatAnswersARangeWithTheWholeObjectFailsTheRead() throws IOException {
        try (S3Client real = S3.createS3ClientV2()) {
            real.putObject(b -> b.bucket("corpus").key("whole/a.jsonl"), RequestBody.fromString("0123456789"));
            InvocationHandler rangeIgnored = (proxy, method, args) -> {
                if (args != null && args.length > 0 && args[0] instanceof java.util.function.Consumer) {
                    return InvocationHandler.invokeDefault(proxy, method, args);
                }
                if (args != null && args[0] instanceof software.amazon.awssdk.services.s3.model.GetObjectRequest get) {
                    args[0] = get.toBuilder().range(null).build();
                }
                try {
                    return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            };
            S3Client client = (S3Client) Proxy.newProxyInstance(
                    S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, rangeIgnored);
            S3Storage storage = new S3Storage(client, "corpus", "whole");

            for (long start : new long[] {4, 0}) {
                IOException failed = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> {
                    try (InputStream range = storage.openRange("a.jsonl", start, start + 4)) {
                        range.readAllBytes();
                    }
                });
                assertEquals(
                        "s3://corpus/whole/a.jsonl: asked for its bytes from " + start
                                + ", the store answered with the whole object",
                        failed.getMessage());
            }
        }
    }

    @Test
    void folderMarkersAreNotListedAsInput() throws IOException {
        try (S3Client s3 = S3.createS3ClientV2()) {
            for (String marker : List.of("markers/", "markers/sub/", "markers/sub/deeper/")) {
                s3.putObject(b -> b.bucket("corpus").key(marker), RequestBody.empty());
            }
            s3.putObject(b -> b.bucket("corpus").key("markers/sub/a.jsonl"), RequestBody.fromString("{}"));
        }
        try (Storage storage = resolver.open("s3://corpus/markers/")) {
            assertEquals(List.of(new StoredObject("sub/a.jsonl", 2)), keysAndSizes(storage.list("")));
            assertEquals(List.of(new StoredObject("sub/a.jsonl", 2)), keysAndSizes(storage.list("sub/")));
        }
        try (Storage bucket = resolver.open("s3://corpus")) {
            assertTrue(bucket.list("markers").stream().noneMatch(o -> o.key().endsWith("/")), "the bucket root too");
        }
    }

    @Test
    void conditionalCreateRefusesAnExistingKey() throws IOException {
        try (Storage storage = resolver.open("s3://out/conditional")) {
            assertTrue(storage.createIfAbsent("receipt.json", "first".getBytes(StandardCharsets.UTF_8)));
            assertFalse(storage.createIfAbsent("receipt.json", "second".getBytes(StandardCharsets.UTF_8)));
            assertEquals("first", new String(storage.readAll("receipt.json"), StandardCharsets.UTF_8));
            assertTrue(ConditionalWrites.honoured(storage), "the planner's probe passes on a store that answers 412");
            assertEquals(List.of(), storage.list(ConditionalWrites.PROBE_PREFIX), "the probe leaves nothing");
        }
    }

    @Test
    void concatenatesSmallAndLargePartsInOrder() throws IOException {
        Random random = new Random(7);
        byte[] large = new byte[(int) S3Storage.MIN_PART_BYTES + 1234];
        random.nextBytes(large);
        byte[] small1 = "small-one|".getBytes(StandardCharsets.UTF_8);
        byte[] small2 = new byte[3 * 1024 * 1024];
        random.nextBytes(small2);
        try (Storage storage = resolver.open("s3://out/concat")) {
            storage.put("p0", small1);
            storage.put("p1", large);
            storage.put("p2", small2);
            storage.put("p3", large);
            storage.put("p4", small1);
            storage.concatenate(List.of("p0", "p1", "p2", "p3", "p4"), "joined");
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (byte[] part : List.of(small1, large, small2, large, small1)) {
                expected.writeBytes(part);
            }
            assertArrayEquals(expected.toByteArray(), storage.readAll("joined"));

            storage.concatenate(List.of("p0", "p4"), "tiny");
            assertEquals("small-one|small-one|", new String(storage.readAll("tiny"), StandardCharsets.UTF_8));
        }
    }

    /**
     * R2 refuses to complete an upload whose non-trailing parts differ in length (S3Mock does not
     * check): every part but the last has one size, the last is no larger, and the object is the
     * sources' bytes in order, whether a part is copied server-side from a range or gathered.
     */
    @Test
    void concatenationPartsAllHaveOneSizeButTheLast() throws IOException {
        Random random = new Random(11);
        byte[] first = new byte[(int) (5 * MIB) + 1244];
        byte[] second = new byte[(int) (8 * MIB) + 1234];
        random.nextBytes(first);
        random.nextBytes(second);
        byte[] third = "0123456789".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (byte[] part : List.of(first, second, third)) {
            expected.writeBytes(part);
        }
        try (S3Client mock = S3.createS3ClientV2()) {
            // the production part size (all gathered here), and a 5 MiB one that copies the first part's range
            for (long base : List.of(MultipartPlan.BASE_PART_BYTES, 5 * MIB)) {
                PartRecorder recorder = new PartRecorder(mock);
                S3Storage storage = new S3Storage(
                        recorder.client(),
                        "out",
                        "concat-uniform-" + base,
                        Duration.ofMillis(5),
                        Duration.ofMinutes(1),
                        Duration.ofMillis(100),
                        base);
                storage.put("c0", first);
                storage.put("c1", second);
                storage.put("c2", third);
                storage.concatenate(List.of("c0", "c1", "c2"), "joined");

                assertArrayEquals(expected.toByteArray(), storage.readAll("joined"));
                List<Long> sizes = recorder.sizesInPartOrder();
                assertTrue(sizes.size() >= 2, "a multipart upload: " + sizes);
                for (int i = 0; i < sizes.size() - 1; i++) {
                    assertEquals(sizes.get(0), sizes.get(i), "every non-trailing part has one size: " + sizes);
                }
                assertTrue(sizes.get(sizes.size() - 1) <= sizes.get(0), "the last part is no larger: " + sizes);
                assertEquals(
                        expected.size(),
                        sizes.stream().mapToLong(Long::longValue).sum());
                if (base == 5 * MIB) {
                    assertEquals(1, recorder.copies, "the part within the first source is copied server-side");
                }
            }
        }
    }

    /**
     * A part's upload that the client sent twice (its first answer lost) and that is answered 404
     * NoSuchUpload (the upload aborted or expired meanwhile): no completion was sent, so the assembly
     * fails as such, with no look at the key for a completion whose answer was lost, and no message
     * saying one was.
     */
    @Test
    void aPartAnsweredNoSuchUploadIsNoLostCompletion() throws Exception {
        byte[] half = new byte[3 * 1024 * 1024];
        try (S3Client mock = S3.createS3ClientV2()) {
            List<String> headed = new ArrayList<>();
            InvocationHandler noSuchUploadOnAPart = new InvocationHandler() {
                @Override
                public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                    if (args != null && args.length > 0 && args[0] instanceof java.util.function.Consumer) {
                        return InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    if (args != null
                            && args[0] instanceof software.amazon.awssdk.services.s3.model.HeadObjectRequest h) {
                        headed.add(h.key());
                    }
                    if (args != null
                            && (args[0] instanceof UploadPartRequest || args[0] instanceof UploadPartCopyRequest)) {
                        throw S3Exception.builder()
                                .statusCode(404)
                                .message("The specified multipart upload does not exist.")
                                .awsErrorDetails(AwsErrorDetails.builder()
                                        .errorCode("NoSuchUpload")
                                        .build())
                                .numAttempts(2)
                                .build();
                    }
                    try {
                        return method.invoke(mock, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                }
            };
            S3Client client = (S3Client) Proxy.newProxyInstance(
                    S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, noSuchUploadOnAPart);
            S3Storage storage = new S3Storage(client, "out", "part-no-upload");
            storage.put("p0", half);
            storage.put("p1", half);

            IOException failed = org.junit.jupiter.api.Assertions.assertThrows(
                    IOException.class, () -> storage.concatenate(List.of("p0", "p1"), "joined"));

            String message = failed.getMessage();
            assertTrue(message.startsWith("could not assemble s3://out/part-no-upload/joined: "), message);
            assertFalse(message.contains("CompleteMultipartUpload"), message);
            assertEquals(List.of("part-no-upload/p0", "part-no-upload/p1"), headed, "the key is not inspected");
        }
    }

    /**
     * A GET whose answer lacks its length or ETag is followed by a HEAD; when that HEAD fails (here the
     * object was deleted in between), the read fails and the first answer's stream is let go, not left
     * holding its connection.
     */
    @Test
    void aFailedHeadAfterAnAnswerWithoutETagLetsTheFirstAnswerGo() {
        boolean[] released = {false};
        InvocationHandler handler = (proxy, method, args) -> {
            if (args != null && args.length > 0 && args[0] instanceof java.util.function.Consumer) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            if (args != null && args[0] instanceof software.amazon.awssdk.services.s3.model.GetObjectRequest) {
                InputStream body = new java.io.ByteArrayInputStream(new byte[] {1, 2, 3}) {
                    @Override
                    public void close() {
                        released[0] = true;
                    }
                };
                return new software.amazon.awssdk.core.ResponseInputStream<>(
                        software.amazon.awssdk.services.s3.model.GetObjectResponse.builder()
                                .build(),
                        software.amazon.awssdk.http.AbortableInputStream.create(body, () -> released[0] = true));
            }
            if (args != null && args[0] instanceof software.amazon.awssdk.services.s3.model.HeadObjectRequest) {
                throw software.amazon.awssdk.services.s3.model.NoSuchKeyException.builder()
                        .statusCode(404)
                        .message("gone")
                        .build();
            }
            throw new UnsupportedOperationException(method.getName());
        };
        S3Client client = (S3Client)
                Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, handler);
        S3Storage storage = new S3Storage(client, "in", "no-etag");

        org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.NoSuchFileException.class, () -> storage.open("a"));
        assertTrue(released[0], "the first answer's stream is let go");
    }

    /** Records the size of every part an upload sends or copies, around a real client. */
    private static final class PartRecorder implements InvocationHandler {
        private final S3Client delegate;
        private final Map<Integer, Long> sizes = new java.util.TreeMap<>();
        int copies;

        PartRecorder(S3Client delegate) {
            this.delegate = delegate;
        }

        S3Client client() {
            return (S3Client)
                    Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, this);
        }

        List<Long> sizesInPartOrder() {
            return List.copyOf(sizes.values());
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (args != null && args.length > 0 && args[0] instanceof java.util.function.Consumer) {
                // the SDK's builder overloads build the request and call the overload that takes it
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            if (args != null && args[0] instanceof UploadPartRequest request) {
                sizes.put(
                        request.partNumber(),
                        ((RequestBody) args[1]).optionalContentLength().orElseThrow());
            } else if (args != null && args[0] instanceof UploadPartCopyRequest request) {
                copies++;
                String range = request.copySourceRange();
                long size;
                if (range == null) {
                    size = delegate.headObject(
                                    b -> b.bucket(request.sourceBucket()).key(request.sourceKey()))
                            .contentLength();
                } else {
                    String[] bounds = range.substring("bytes=".length()).split("-");
                    size = Long.parseLong(bounds[1]) - Long.parseLong(bounds[0]) + 1;
                }
                sizes.put(request.partNumber(), size);
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    @Test
    void aShardPlansRunsAndCommitsOnS3() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path local = dir.resolve("corpus");
        List<String> ids = new ArrayList<>(Corpus.writeJsonl(local.resolve("x/one.jsonl"), "one", 60));
        ids.addAll(Corpus.writeJsonl(local.resolve("x/two.jsonl"), "two", 40));
        try (Storage input = resolver.open("s3://corpus/shard-test");
                Storage output = resolver.open("s3://out/shard-test")) {
            input.put("x/one.jsonl", local.resolve("x/one.jsonl"));
            input.put("x/two.jsonl", local.resolve("x/two.jsonl"));
            input.put("x/_SUCCESS", new byte[0]);
            JobPlanner.Result plan = new JobPlanner(
                            new ShardPlanner(new ShardingPolicy(null, 1L << 30)), new ShardManifest(json))
                    .plan(new InputRoot(input, Optional.empty()), new KeyFilter(List.of("*.jsonl"), List.of()), output);
            assertEquals(1, plan.shardCount());

            DocumentReaders readers =
                    new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
            RunSettings settings =
                    TestRunSettings.of(1, "s3-writer", 16, 32, Compression.GZIP, Files.createTempDirectory(dir, "tmp"));
            ShardRunner.Report report = new ShardRunner(
                            input, output, readers, new UppercaseProcessor(), settings, json, new RunProgress())
                    .run(new ShardManifest(json).readShard(output, 0));

            assertEquals(
                    ExitCodes.DONE,
                    report.exitCode(),
                    String.valueOf(report.summary().getMessage()));
            assertEquals(ShardSummary.Outcome.committed, report.summary().getOutcome());
            // records are in answer order; each id exactly once
            assertEquals(
                    ids.stream().sorted().toList(),
                    Outputs.ids(output, "upper/shard-00000.jsonl.gz").stream()
                            .sorted()
                            .toList());
            assertTrue(output.exists("_palimpsest/receipts/shard-00000.json"));
            assertTrue(output.list("_palimpsest/checkpoints/").isEmpty(), "checkpoint parts are removed after commit");

            ShardRunner.Report again = new ShardRunner(
                            input, output, readers, new UppercaseProcessor(), settings, json, new RunProgress())
                    .run(new ShardManifest(json).readShard(output, 0));
            assertEquals(ShardSummary.Outcome.alreadyCommitted, again.summary().getOutcome());
        }
    }

    @Test
    void idsRepeatedAcrossShardsAreIndexedAndRejectedOnS3() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path local = dir.resolve("dup-corpus");
        Corpus.writeJsonl(local.resolve("one.jsonl"), "one", 30);
        Corpus.writeJsonl(local.resolve("two.jsonl"), "two", 10);
        Files.writeString(
                local.resolve("two.jsonl"),
                "{\"id\":\"one-7\",\"text\":\"again\"}\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        try (Storage input = resolver.open("s3://corpus/dup-test");
                Storage output = resolver.open("s3://out/dup-test")) {
            input.put("one.jsonl", local.resolve("one.jsonl"));
            input.put("two.jsonl", local.resolve("two.jsonl"));
            JobPlanner.Result plan = new JobPlanner(
                            new ShardPlanner(new ShardingPolicy(1, null)), new ShardManifest(json))
                    .plan(new InputRoot(input, Optional.empty()), new KeyFilter(List.of("*.jsonl"), List.of()), output);
            assertEquals(2, plan.shardCount());
            DocumentReaders readers =
                    new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
            byte[] manifest = output.readAll(ShardManifest.KEY);
            DuplicateIdIndex index = new DuplicateIdIndex(json);
            index.ensure(output, plan.shards(), manifest, (shard, ids) -> {
                try (ShardInput items = new ShardInput(input, shard, readers, RepeatedIds.NONE, bytes -> {})) {
                    long number = 0;
                    for (InputItem item = items.next(); item != null; item = items.next(), number++) {
                        if (item instanceof Document d) {
                            ids.accept(number, d.id());
                        }
                    }
                }
                return true;
            });
            assertEquals(List.of(new DuplicateIdIndex.Repeat(10, "one-7", 0)), index.listed(output, manifest, 1));

            RunSettings settings =
                    TestRunSettings.of(0, "s3-writer", 16, 32, Compression.GZIP, Files.createTempDirectory(dir, "tmp"));
            ShardRunner.Report report = new ShardRunner(
                            input,
                            output,
                            readers,
                            new UppercaseProcessor(),
                            settings,
                            json,
                            new RunProgress(),
                            index.repeats(output, manifest, 1, settings.tempDir()))
                    .run(new ShardManifest(json).readShard(output, 1));

            assertEquals(
                    ExitCodes.DONE,
                    report.exitCode(),
                    String.valueOf(report.summary().getMessage()));
            assertEquals(11, report.summary().getRead());
            assertEquals(10, report.summary().getWritten());
            assertEquals(1, report.summary().getRejected());
            assertEquals(
                    "duplicate_id",
                    Outputs.read(output, "_palimpsest/rejects/shard-00001.jsonl.gz")
                            .get(0)
                            .path("reason")
                            .asText());
        }
    }

    private static List<StoredObject> keysAndSizes(List<StoredObject> listed) {
        return listed.stream().map(o -> new StoredObject(o.key(), o.size())).toList();
    }
}
