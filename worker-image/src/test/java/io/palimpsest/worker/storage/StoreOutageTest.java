package io.palimpsest.worker.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.client.EndpointGate;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.JobPlanner;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.RunSettings;
import io.palimpsest.worker.run.ShardLayout;
import io.palimpsest.worker.run.ShardRunner;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.Outputs;
import io.palimpsest.worker.testing.S3MockServer;
import io.palimpsest.worker.testing.TestRunSettings;
import io.palimpsest.worker.testing.UppercaseProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An object store that is down for longer than the SDK's own retries (S3Mock behind an
 * {@link OutageProxy} that refuses connections or answers 503 SlowDown for a while): the worker's
 * requests wait at the store's gate and go on once it answers; past the outage limit the attempt
 * ends as an outage (exit 75), and a refusal that is no outage (403) fails it at once.
 */
class StoreOutageTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    /** Short probe intervals (100 ms, doubling to 1.6 s), so the tests do not sit through the production ones. */
    private static final Duration FIRST_PROBE = Duration.ofMillis(100);

    private static final int DOCUMENTS = 1000;
    /** The document whose processing takes the store down: the shard is well under way, parts committed. */
    private static final int DOWN_AT = 350;

    private static final ShardLayout LAYOUT = new ShardLayout(0, Compression.GZIP);

    private static S3Client directClient;
    private final GateLog gateLog = new GateLog();
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void connect() {
        directClient = StorageResolver.s3Client(options("http://localhost:" + S3.getHttpPort()));
    }

    @AfterAll
    static void done() {
        directClient.close();
    }

    @BeforeEach
    void listen() {
        Logger.getLogger(EndpointGate.class.getName()).addHandler(gateLog);
    }

    @AfterEach
    void stopListening() {
        Logger.getLogger(EndpointGate.class.getName()).removeHandler(gateLog);
    }

    /**
     * The store stays down until the S3 client's own retries gave up and the gate closed (the SDK
     * retries a SlowDown for up to about 7 s), and 2 s more: a few seconds in all.
     */
    @ParameterizedTest
    @EnumSource(
            value = OutageProxy.Mode.class,
            names = {"REFUSE", "CLOSE_UNANSWERED", "CUT_ANSWERS", "CUT_CHUNKED_ANSWERS", "SLOW_DOWN"})
    void aStoreDownForAFewSecondsMidShardIsWaitedForAndEveryDocumentIsCommittedOnce(OutageProxy.Mode mode)
            throws IOException, InterruptedException {
        String name = "brief-" + mode.name().toLowerCase();
        List<String> ids = upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofMinutes(1));
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            plan(input, output);
            Thread storeBack = upOnceTheGateClosed(proxy, Duration.ofSeconds(2));
            ShardRunner.Report report =
                    runOneShard(input, output, 0, storeDownAt(proxy, name, mode, Duration.ofMinutes(5)));
            storeBack.join();

            assertEquals(ExitCodes.DONE, report.exitCode(), report.summary().getMessage());
            assertEquals(ShardSummary.Outcome.committed, report.summary().getOutcome());
            assertEquals(DOCUMENTS, report.summary().getWritten());
            assertEquals(sorted(ids), sorted(Outputs.ids(direct("out", name), "upper/shard-00000.jsonl.gz")));
            assertFalse(gateLog.warnings.isEmpty(), "the gate closed");
            assertTrue(gateLog.warnings.get(0).startsWith("object store s3://"), gateLog.warnings.get(0));
            // (a store that cuts its answers answers the probe, a HEAD, whose answer has no body: the gate warns
            // once more that requests still fail after it, and waits on)
            assertEquals(
                    gateLog.warnings.stream()
                            .filter(w -> w.contains(" unavailable after "))
                            .count(),
                    gateLog.healthy.size(),
                    "one warning per gate that closed, one notice when it is healthy again: " + gateLog);
            if (mode == OutageProxy.Mode.SLOW_DOWN) {
                assertTrue(proxy.refusals() > 0, "requests met the 503s");
            }
        }
    }

    /**
     * Answers cut short (the connection closed mid-body, the body framed by a Content-Length or in chunks) to a
     * listing and to the XML answers of a multipart assembly are an outage like no answer at all: waited for, then
     * sent again, never failed as if the store had answered malformed XML; an object's body is read on after each
     * cut. The store cuts them for 2 s.
     */
    @ParameterizedTest
    @EnumSource(
            value = OutageProxy.Mode.class,
            names = {"CUT_ANSWERS", "CUT_CHUNKED_ANSWERS"})
    void answersCutShortAreWaitedForAsAnOutageForListingsAndMultipartAssemblies(OutageProxy.Mode mode)
            throws IOException {
        String name = "cut-" + mode.name().toLowerCase();
        Storage direct = twoParts(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            byte[] note =
                    "a note of a few words, read whole through answers cut in half".getBytes(StandardCharsets.UTF_8);
            direct.put("note", note);
            proxy.down(mode, Duration.ofSeconds(2));
            assertEquals(
                    List.of("note", "p0", "p1"),
                    output.list("").stream().map(StoredObject::key).sorted().toList());
            // read on after each cut; the last cut loses only the end of the chunks, after every byte
            assertArrayEquals(note, output.readAll("note"));
            int listingsCut = proxy.cuts();
            assertTrue(listingsCut > 0, "the listing's answers were cut");

            proxy.down(mode, Duration.ofSeconds(2));
            output.concatenate(List.of("p0", "p1"), "joined");
            assertTrue(proxy.cuts() > listingsCut, "the assembly's answers were cut");

            byte[] joined = direct.readAll("joined");
            assertJoined(joined);
            assertFalse(gateLog.warnings.isEmpty(), "the gate closed");
        }
    }

    /**
     * The store cuts its answers for longer than the outage limit: the attempt ends as an outage (exit 75), not as a
     * failure that the store's own answer would be.
     */
    @Test
    void answersCutShortPastMaxOutageEndTheAttemptAsAnOutage() throws IOException {
        String name = "cut-past-limit";
        upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofSeconds(2));
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofSeconds(2))) {
            plan(input, output);
            proxy.down(OutageProxy.Mode.CUT_CHUNKED_ANSWERS, Duration.ofHours(1));
            ShardRunner.Report report = runOneShard(input, output, 0, new UppercaseProcessor());

            assertEquals(
                    ExitCodes.STORE_UNREACHABLE,
                    report.exitCode(),
                    report.summary().getMessage());
            assertEquals(ShardSummary.Outcome.storeUnreachable, report.summary().getOutcome());
            assertTrue(
                    report.summary().getMessage().contains("unavailable for more than 2 s"),
                    report.summary().getMessage());
        }
    }

    @Test
    void aStoreDownLongerThanMaxOutageEndsTheAttemptAsAnOutageAndTheNextAttemptResumes() throws IOException {
        String name = "past-limit";
        List<String> ids = upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort())) {
            try (S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofSeconds(2));
                    S3Storage output = throughProxy(proxy, "out", name, Duration.ofSeconds(2))) {
                plan(input, output);
                ShardRunner.Report report = runOneShard(
                        input, output, 0, storeDownAt(proxy, name, OutageProxy.Mode.REFUSE, Duration.ofHours(1)));

                assertEquals(
                        ExitCodes.STORE_UNREACHABLE,
                        report.exitCode(),
                        report.summary().getMessage());
                assertEquals(75, report.exitCode(), "the exit code the operator reads as an outage, not a failure");
                assertEquals(
                        ShardSummary.Outcome.storeUnreachable, report.summary().getOutcome());
                assertEquals(
                        ShardReason.STORE_UNREACHABLE.code(), report.summary().getReason());
                assertTrue(
                        report.summary().getMessage().startsWith("object store s3://")
                                && report.summary().getMessage().contains("unavailable for more than 2 s"),
                        report.summary().getMessage());
            }
            proxy.up();
            Storage direct = direct("out", name);
            assertFalse(direct.exists(LAYOUT.receiptKey()));
            assertTrue(direct.exists(LAYOUT.markerKey(0)), "the checkpoints committed before the outage stay");

            try (S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofSeconds(2));
                    S3Storage output = throughProxy(proxy, "out", name, Duration.ofSeconds(2))) {
                RunProgress progress = new RunProgress();
                ShardRunner.Report next = runOneShard(input, output, 1, new UppercaseProcessor(), progress);
                assertEquals(ExitCodes.DONE, next.exitCode(), next.summary().getMessage());
                assertTrue(progress.itemsResumed.get() >= 100, "resumed after the parts kept");
            }
            assertEquals(sorted(ids), sorted(Outputs.ids(direct, "upper/shard-00000.jsonl.gz")));
        }
    }

    /**
     * A store that refuses the job's credentials gives every shard the same answer: the attempt exits
     * 78 at once (the Job's FailJob rule stops the job) with a message naming the object, the store's
     * error code and the credentials setting, instead of each shard spending its attempts on it.
     */
    @Test
    void accessDeniedFailsTheJobAtOnceWithoutWaiting() throws IOException {
        String name = "denied";
        upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofMinutes(1));
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))
                        .credentialsSetting("spec.output.credentialsSecretRef (read from /secrets/output)")) {
            plan(input, output);
            long start = System.nanoTime();
            ShardRunner.Report report = runOneShard(
                    input, output, 0, storeDownAt(proxy, name, OutageProxy.Mode.ACCESS_DENIED, Duration.ofHours(1)));

            String message = report.summary().getMessage();
            assertEquals(ExitCodes.MODEL_CONFIG, report.exitCode(), message);
            assertEquals(78, report.exitCode(), "the exit code the Job's FailJob rule stops the job on");
            assertEquals(ShardSummary.Outcome.modelConfig, report.summary().getOutcome());
            assertEquals(ShardReason.STORE_REFUSED.code(), report.summary().getReason());
            assertTrue(message.contains("s3://"), message);
            assertTrue(message.contains("refused this job's credentials (AccessDenied, HTTP 403)"), message);
            assertTrue(message.contains("spec.output.credentialsSecretRef"), message);
            assertTrue(
                    System.nanoTime() - start < Duration.ofSeconds(20).toNanos(),
                    "no wait for a store that answers (a minute allowed for an outage)");
            assertEquals(List.of(), gateLog.warnings, "a 403 closes no gate");
        }
    }

    /** An expired session token is refreshed for the next attempt: it fails only this one (exit 1). */
    @Test
    void anExpiredTokenFailsOnlyTheAttempt() throws IOException {
        String name = "expired";
        upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofMinutes(1));
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            plan(input, output);
            ShardRunner.Report report = runOneShard(
                    input, output, 0, storeDownAt(proxy, name, OutageProxy.Mode.EXPIRED_TOKEN, Duration.ofHours(1)));

            assertEquals(ExitCodes.FAILED, report.exitCode(), report.summary().getMessage());
            assertNotEquals(ShardReason.STORE_REFUSED.code(), report.summary().getReason());
            // a GET names the code; a HEAD's answer has no body, only its status
            String message = report.summary().getMessage();
            assertTrue(message.contains("The provided token has expired") || message.contains("400"), message);
        }
    }

    /**
     * An input file a lifecycle rule moved to an archive class is answered 403 InvalidObjectState:
     * that is the shard's data being unreadable (exit 42, bad data, the file named), not a refusal of
     * the job's credentials that would stop every shard.
     */
    @Test
    void anArchivedInputFileFailsOnlyItsShardAsBadData() throws IOException {
        String name = "archived";
        upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofMinutes(1));
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            plan(input, output);
            proxy.forbidOnly("GET", "/corpus/" + name + "/in.jsonl", "InvalidObjectState");
            ShardRunner.Report report = runOneShard(input, output, 0, new UppercaseProcessor());

            String message = report.summary().getMessage();
            assertEquals(ExitCodes.BAD_DATA, report.exitCode(), message);
            assertEquals(ShardSummary.Outcome.badData, report.summary().getOutcome());
            assertEquals(ShardReason.BAD_DATA.code(), report.summary().getReason());
            assertTrue(message.contains("input file s3://corpus/" + name + "/in.jsonl is archived"), message);
            assertTrue(message.contains("InvalidObjectState"), message);
            assertFalse(message.contains("credentials"), message);
            assertEquals(List.of(), gateLog.warnings, "a 403 closes no gate");
        }
    }

    /** A 403 whose code is not about the credentials (nor an archived object) fails only the attempt (exit 1). */
    @Test
    void aForbiddenAnswerWithAnotherCodeFailsOnlyTheAttempt() throws IOException {
        String name = "forbidden-other";
        upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofMinutes(1));
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            plan(input, output);
            proxy.forbidOnly("GET", "/corpus/" + name + "/in.jsonl", "AccountProblem");
            ShardRunner.Report report = runOneShard(input, output, 0, new UppercaseProcessor());

            assertEquals(ExitCodes.FAILED, report.exitCode(), report.summary().getMessage());
            assertNotEquals(ShardReason.STORE_REFUSED.code(), report.summary().getReason());
            assertTrue(
                    report.summary().getMessage().contains("AccountProblem"),
                    report.summary().getMessage());
        }
    }

    /**
     * The default credentials chain fails for a moment when hundreds of pods start (STS throttling, a
     * Pod Identity agent not ready yet, an instance-metadata timeout): "Unable to load credentials"
     * fails only the attempt (exit 1), never the job (78), and the next attempt, whose calls get
     * credentials, commits the shard.
     */
    @Test
    void aDefaultChainThatFailsItsFirstCallsFailsOnlyTheAttempt() throws IOException {
        String name = "no-credentials-yet";
        List<String> ids = upload(name);
        Storage direct = direct("out", name);
        plan(direct("corpus", name), direct);
        AtomicInteger failuresLeft = new AtomicInteger(3);
        AtomicInteger calls = new AtomicInteger();
        AwsCredentialsProvider flaky = () -> {
            calls.incrementAndGet();
            if (failuresLeft.getAndDecrement() > 0) {
                throw SdkClientException.create("STS throttled the AssumeRoleWithWebIdentity call (Rate exceeded)");
            }
            return AwsBasicCredentials.create("test-access", "test-secret");
        };
        // the chain the SDK's default provider is, with the message it fails with
        AwsCredentialsProviderChain chain = AwsCredentialsProviderChain.builder()
                .credentialsProviders(flaky)
                .build();
        S3Options options = new S3Options(
                Optional.of(URI.create("http://localhost:" + S3.getHttpPort())), "us-east-1", true, chain);
        try (S3Storage input = new S3Storage(StorageResolver.s3Client(options), "corpus", name);
                S3Storage output = new S3Storage(StorageResolver.s3Client(options), "out", name)) {
            ShardRunner.Report first = runShard(input, output, 0, new ShardManifest(json).readShard(direct, 0));

            String message = first.summary().getMessage();
            assertEquals(ExitCodes.FAILED, first.exitCode(), message);
            assertNotEquals(ShardReason.STORE_REFUSED.code(), first.summary().getReason(), message);
            assertTrue(message.contains("Unable to load credentials"), message);
            assertTrue(message.contains("the next one asks again"), message);
            assertTrue(calls.get() >= 1);

            failuresLeft.set(0);
            ShardRunner.Report next = runShard(input, output, 1, new ShardManifest(json).readShard(direct, 0));
            assertEquals(ExitCodes.DONE, next.exitCode(), next.summary().getMessage());
        }
        assertEquals(sorted(ids), sorted(Outputs.ids(direct, "upper/shard-00000.jsonl.gz")));
    }

    /** Credentials that cannot be read (a Secret without its secret key) are refused the same way, before any request. */
    @Test
    void anUnusableCredentialsSecretFailsTheJob(@TempDir Path secret) throws IOException {
        Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "test-access");
        S3Client client = StorageResolver.s3Client(new S3Options(
                Optional.of(URI.create("http://localhost:" + S3.getHttpPort())),
                "us-east-1",
                true,
                new SecretDirectoryCredentials(secret)));
        try (S3Storage output = new S3Storage(client, "out", "unusable")
                .credentialsSetting("spec.output.credentialsSecretRef (read from " + secret + ")")) {
            IOException failure = assertThrows(IOException.class, () -> output.exists("receipt.json"));
            assertTrue(StoreRefusedException.in(failure).isPresent(), String.valueOf(failure));
            assertTrue(
                    failure.getMessage().contains("has none of the files [AWS_SECRET_ACCESS_KEY"),
                    failure.getMessage());
            assertTrue(failure.getMessage().contains("spec.output.credentialsSecretRef"), failure.getMessage());
        }
    }

    /**
     * Credentials allowed only {@code corpus/<name>/*} are refused a HEAD of the bare key
     * {@code corpus/<name>} that tells whether an input URI without a trailing slash names one file:
     * the URI is then the prefix it must be, and its objects are listed. When the listing is refused
     * too, that refusal of the credentials is what the caller hears.
     */
    @Test
    void anInputUriWithoutSlashUnderPrefixScopedCredentialsIsThePrefix() throws IOException {
        String name = "scoped";
        upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort())) {
            StorageResolver resolver =
                    new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options(proxy.endpoint()));
            proxy.denyOnly("HEAD", "/corpus/" + name);
            InputRoot root = resolver.openInput("s3://corpus/" + name);
            try (Storage storage = root.storage()) {
                assertEquals(Optional.empty(), root.singleKey());
                assertEquals(
                        List.of("in.jsonl"),
                        storage.list("").stream().map(StoredObject::key).toList());
            }

            proxy.denyOnly("GET", "/corpus/");
            proxy.denyOnly("GET", "/corpus");
            InputRoot refused = resolver.openInput("s3://corpus/" + name);
            try (Storage storage = refused.storage()) {
                IOException failure = assertThrows(IOException.class, () -> storage.list(""));
                assertTrue(StoreRefusedException.in(failure).isPresent(), String.valueOf(failure));
            }
        }
    }

    /**
     * A checkpoint part whose stored bytes are no longer the ones its marker recorded (same length,
     * one byte changed in the store) is never concatenated into the output: the commit withdraws the
     * part (marker and file) with a warning naming it, the same attempt redoes its items in another
     * pass and commits, every document once and none of the changed bytes.
     */
    @Test
    void aCheckpointPartThatDiffersFromItsMarkerIsRedoneAndCommittedByTheSameAttempt() throws IOException {
        String name = "altered-part";
        List<String> ids = upload(name);
        Storage direct = direct("out", name);
        AtomicInteger seen = new AtomicInteger();
        byte[][] damaged = new byte[1][];
        UppercaseProcessor alterFirstPart = new UppercaseProcessor(doc -> {
            if (seen.incrementAndGet() == DOWN_AT) {
                try {
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (!direct.exists(LAYOUT.markerKey(0)) && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    String partFile = direct.list(LAYOUT.checkpointPrefix()).stream()
                            .map(StoredObject::key)
                            .filter(k -> k.contains("part-000000.") && k.endsWith(".upper.jsonl.gz"))
                            .findFirst()
                            .orElseThrow();
                    byte[] bytes = direct.readAll(partFile);
                    bytes[bytes.length / 2] ^= 0x01;
                    direct.put(partFile, bytes);
                    damaged[0] = bytes;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return null;
        });
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler runnerLog = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel() == Level.WARNING) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger.getLogger(ShardRunner.class.getName()).addHandler(runnerLog);
        ShardRunner.Report report;
        try {
            // the shared direct client: not closed here
            Storage input = direct("corpus", name);
            plan(input, direct);
            report = runOneShard(input, direct, 0, alterFirstPart);
        } finally {
            Logger.getLogger(ShardRunner.class.getName()).removeHandler(runnerLog);
        }

        assertEquals(ExitCodes.DONE, report.exitCode(), report.summary().getMessage());
        assertEquals(ShardSummary.Outcome.committed, report.summary().getOutcome());
        assertEquals(DOCUMENTS, report.summary().getWritten());
        assertTrue(
                warnings.stream()
                        .anyMatch(w -> w.contains("checkpoint part 0 (")
                                && w.contains("its marker recorded")
                                && w.contains("withdrew part 0")),
                "a warning names the part: " + warnings);
        assertEquals(sorted(ids), sorted(Outputs.ids(direct, "upper/shard-00000.jsonl.gz")), "every document once");
        byte[] output = direct.readAll("upper/shard-00000.jsonl.gz");
        assertTrue(damaged[0] != null && indexOf(output, damaged[0]) < 0, "none of the changed bytes");
        assertTrue(direct.exists(LAYOUT.receiptKey()));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * CompleteMultipartUpload carried out while its answer was lost: the repeat is answered 404
     * NoSuchUpload (as AWS answers it; S3Mock would complete it again), and the target holding the assembly's size is this concatenation's.
     */
    @Test
    void anAssemblyWhoseCompletionAnswerWasLostIsStillDone() throws IOException {
        String name = "lost-complete";
        Storage direct = twoParts(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            proxy.loseNextAnswerThen("POST", "/out/" + name + "/joined", "uploadId=", OutageProxy.Mode.NO_SUCH_UPLOAD);

            output.concatenate(List.of("p0", "p1"), "joined");

            byte[] joined = direct.readAll("joined");
            assertJoined(joined);
        }
    }

    /**
     * The completion of an assembly never reached the store, and its repeat is answered 404
     * NoSuchUpload (the upload aborted or expired meanwhile), while the target holds an older object
     * of exactly the assembly's size: that object is not this assembly (its ETag is no multipart ETag
     * of these parts), so the attempt fails instead of taking it as done.
     */
    @Test
    void anOlderObjectOfTheAssemblysSizeIsNotTakenAsTheAssemblyWhoseCompletionWasLost() throws IOException {
        String name = "lost-complete-older";
        byte[] older = new byte[2 * PART];
        java.util.Arrays.fill(older, (byte) 'z');
        Storage direct = twoParts(name);
        direct.put("joined", older);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            proxy.dropNextThen("POST", "/out/" + name + "/joined", "uploadId=", OutageProxy.Mode.NO_SUCH_UPLOAD);

            IOException failed =
                    assertThrows(IOException.class, () -> output.concatenate(List.of("p0", "p1"), "joined"));

            String message = failed.getMessage();
            assertTrue(message.contains("NoSuchUpload"), message);
            assertTrue(message.contains("not taken as this assembly"), message);
            assertTrue(message.contains("(an older object)"), message);
            // (what the key holds afterwards is S3Mock's: its abort of the upload removes the key too)
        }
    }

    /**
     * A conditional create that landed while its answer was lost, whose repeat meets 409 costs one
     * more request, a GET of the key (which answers whether it exists too), and no HEAD.
     */
    @Test
    void aConflictOnARepeatedCreateIsJudgedWithoutAHead() throws IOException {
        String name = "conflict-requests";
        byte[] mine = ("{\"writer\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8);
        String receipt = "/out/" + name + "/receipt.json";
        String marker = "/out/" + name + "/marker.json";
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            proxy.loseNextAnswerThen("PUT", receipt, null, OutageProxy.Mode.CONFLICT);
            assertTrue(output.createIfAbsent("receipt.json", mine));
            assertEquals(List.of("PUT " + receipt, "PUT " + receipt, "GET " + receipt), proxy.requestsFor(receipt));

            proxy.loseNextAnswerThen("PUT", marker, null, OutageProxy.Mode.CONFLICT);
            direct("out", name).put("marker.json", "{\"writer\":\"twin\"}".getBytes(StandardCharsets.UTF_8));
            assertFalse(output.createIfAbsent("marker.json", mine));
            assertEquals(List.of("PUT " + marker, "PUT " + marker, "GET " + marker), proxy.requestsFor(marker));
        }
    }

    /**
     * A conditional create answered 409 twice (a conflicting write in flight) while the key stays
     * absent: nobody has won, so the create fails the attempt naming the key and the store's answer,
     * rather than saying "taken" and sending its caller to read a key that is not there. Once the key
     * holds another writer's bytes, it is theirs.
     */
    @Test
    void aConditionalCreateAnsweredConflictTwiceWithTheKeyAbsentFailsTheAttemptNamingTheKey() throws IOException {
        String name = "conflict-twice";
        byte[] mine = ("{\"writer\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8);
        String receipt = "/out/" + name + "/receipt.json";
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            proxy.conflictOnly("PUT", receipt);

            IOException e = assertThrows(IOException.class, () -> output.createIfAbsent("receipt.json", mine));
            assertFalse(e instanceof StoreRefusedException, "fails the attempt only: " + e);
            assertTrue(e.getMessage().contains(name + "/receipt.json"), e.getMessage());
            assertTrue(e.getMessage().contains("409 ConditionalRequestConflict"), e.getMessage());
            assertTrue(e.getMessage().contains("still absent"), e.getMessage());
            assertFalse(direct("out", name).exists("receipt.json"));

            direct("out", name).put("receipt.json", "{\"writer\":\"twin\"}".getBytes(StandardCharsets.UTF_8));
            assertFalse(output.createIfAbsent("receipt.json", mine), "the twin's write won");
        }
    }

    /**
     * A conditional create that landed while its answer was lost, whose repeat meets 409 (the store
     * still has a conditional write on the key in flight): the key holds exactly this writer's bytes,
     * so the create is this writer's.
     */
    @Test
    void aConditionalCreateWhoseRepeatMeetsAConflictIsStillThisWritersOwn() throws IOException {
        String name = "lost-conflict";
        byte[] mine = ("{\"writer\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            proxy.loseNextAnswerThen("PUT", "/out/" + name + "/receipt.json", null, OutageProxy.Mode.CONFLICT);

            assertTrue(output.createIfAbsent("receipt.json", mine), "the create that landed is this writer's");
            assertArrayEquals(mine, direct("out", name).readAll("receipt.json"));

            proxy.loseNextAnswerThen("PUT", "/out/" + name + "/marker.json", null, OutageProxy.Mode.CONFLICT);
            direct("out", name).put("marker.json", "{\"writer\":\"twin\"}".getBytes(StandardCharsets.UTF_8));
            assertFalse(
                    output.createIfAbsent("marker.json", mine), "a twin's bytes under the key are not this writer's");
        }
    }

    /**
     * A conditional create that landed while its answer was lost: the repeat (the SDK's own at once,
     * or the gate's once the store answers again) is refused 412, and is still this writer's create.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1500})
    void aConditionalCreateWhoseAnswerWasLostIsStillThisWritersOwn(int refuseMillisAfter) throws IOException {
        String name = "lost-" + refuseMillisAfter;
        byte[] mine = ("{\"writer\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            proxy.loseNextAnswer("PUT", "/out/" + name + "/receipt.json", Duration.ofMillis(refuseMillisAfter));

            assertTrue(output.createIfAbsent("receipt.json", mine), "the create that landed is this writer's");
            assertArrayEquals(mine, direct("out", name).readAll("receipt.json"));
            assertFalse(
                    output.createIfAbsent("receipt.json", "{\"writer\":\"twin\"}".getBytes(StandardCharsets.UTF_8)));
            assertEquals(refuseMillisAfter > 0, !gateLog.warnings.isEmpty(), "the gate took the repeat: " + gateLog);
        }
    }

    /** The receipt's PUT lands, its answer is lost and the store is down a moment: the shard is committed by this attempt. */
    @Test
    void aReceiptWhoseAnswerWasLostCommitsTheShardOnceAsThisAttempts() throws IOException {
        String name = "lost-receipt";
        List<String> ids = upload(name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofMinutes(1));
                S3Storage output = throughProxy(proxy, "out", name, Duration.ofMinutes(1))) {
            plan(input, output);
            proxy.loseNextAnswer("PUT", "/out/" + name + "/" + LAYOUT.receiptKey(), Duration.ofSeconds(1));
            ShardRunner.Report report = runOneShard(input, output, 0, new UppercaseProcessor(), new RunProgress());

            assertEquals(ExitCodes.DONE, report.exitCode(), report.summary().getMessage());
            assertEquals(
                    ShardSummary.Outcome.committed,
                    report.summary().getOutcome(),
                    report.summary().getMessage());
            assertNull(report.summary().getReason());
            assertEquals(sorted(ids), sorted(Outputs.ids(direct("out", name), "upper/shard-00000.jsonl.gz")));
            assertEquals(
                    List.of(),
                    direct("out", name).list(LAYOUT.checkpointPrefix()),
                    "the attempt that committed cleaned up its checkpoints");
        }
    }

    /**
     * The receipt's PUT lands, its answer is lost and the store stays down past {@code --max-outage}: the attempt exits
     * 75 as for any outage, not knowing it committed. The next attempt of the shard finds the receipt before anything
     * else and reports the shard committed by the earlier one (exit 0, {@code receipt_exists}, the receipt's counts):
     * it neither writes the receipt again nor runs the shard, and the output holds every document once.
     */
    @Test
    void aReceiptWhoseAnswerWasLostPastTheOutageLimitIsFoundByTheNextAttempt() throws IOException {
        String name = "lost-receipt-past-limit";
        List<String> ids = upload(name);
        String receiptPath = "/out/" + name + "/" + LAYOUT.receiptKey();
        Storage direct = direct("out", name);
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort())) {
            try (S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofSeconds(2));
                    S3Storage output = throughProxy(proxy, "out", name, Duration.ofSeconds(2))) {
                plan(input, output);
                proxy.loseNextAnswer("PUT", receiptPath, Duration.ofHours(1));
                ShardRunner.Report first = runOneShard(input, output, 0, new UppercaseProcessor());

                assertEquals(
                        ExitCodes.STORE_UNREACHABLE,
                        first.exitCode(),
                        first.summary().getMessage());
                assertEquals(
                        ShardSummary.Outcome.storeUnreachable, first.summary().getOutcome());
            }
            proxy.up();
            byte[] receipt = direct.readAll(LAYOUT.receiptKey());
            assertEquals(
                    "writer-0",
                    json.readTree(receipt).path("writer").asText(),
                    "the first attempt's PUT landed: " + new String(receipt, StandardCharsets.UTF_8));
            long receiptPuts = proxy.requests("PUT", receiptPath);
            UppercaseProcessor processor = new UppercaseProcessor();

            try (S3Storage input = throughProxy(proxy, "corpus", name, Duration.ofSeconds(2));
                    S3Storage output = throughProxy(proxy, "out", name, Duration.ofSeconds(2))) {
                ShardRunner.Report next = runOneShard(input, output, 1, processor);

                assertEquals(ExitCodes.DONE, next.exitCode(), next.summary().getMessage());
                assertEquals(
                        ShardSummary.Outcome.alreadyCommitted, next.summary().getOutcome());
                assertEquals(ShardReason.RECEIPT_EXISTS.code(), next.summary().getReason());
                assertEquals(DOCUMENTS, next.summary().getRead(), "the receipt's counts");
                assertEquals(DOCUMENTS, next.summary().getWritten());
            }
            assertEquals(0, processor.calls.get(), "no document sent to the model again");
            assertEquals(receiptPuts, proxy.requests("PUT", receiptPath), "the receipt is not written again");
            assertArrayEquals(receipt, direct.readAll(LAYOUT.receiptKey()));
            assertEquals(sorted(ids), sorted(Outputs.ids(direct, "upper/shard-00000.jsonl.gz")));
            assertEquals(List.of(), direct.list(LAYOUT.checkpointPrefix()), "its checkpoints cleaned up");
        }
    }

    /**
     * A processor that, at document {@link #DOWN_AT}, waits for the shard's first checkpoint part to
     * be committed and then takes the store down for {@code duration}.
     */
    private UppercaseProcessor storeDownAt(OutageProxy proxy, String name, OutageProxy.Mode mode, Duration duration) {
        AtomicInteger seen = new AtomicInteger();
        Storage direct = direct("out", name);
        return new UppercaseProcessor(doc -> {
            if (seen.incrementAndGet() == DOWN_AT) {
                try {
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (!direct.exists(LAYOUT.markerKey(0)) && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    proxy.down(mode, duration);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return null;
        });
    }

    /** Brings the store back {@code after} the first gate closed (or after a minute, when none does). */
    private Thread upOnceTheGateClosed(OutageProxy proxy, Duration after) {
        Thread back = new Thread(
                () -> {
                    try {
                        long deadline =
                                System.nanoTime() + Duration.ofMinutes(1).toNanos();
                        while (gateLog.warnings.isEmpty() && System.nanoTime() < deadline) {
                            Thread.sleep(20);
                        }
                        Thread.sleep(after.toMillis());
                        proxy.up();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "store-back");
        back.setDaemon(true);
        back.start();
        return back;
    }

    private List<String> upload(String name) throws IOException {
        Path local = dir.resolve(name + ".jsonl");
        List<String> ids = Corpus.writeJsonl(local, "doc", DOCUMENTS);
        direct("corpus", name).put("in.jsonl", local);
        return ids;
    }

    private void plan(Storage input, Storage output) throws IOException {
        JobPlanner.Result plan = new JobPlanner(
                        new ShardPlanner(new ShardingPolicy(null, 1L << 30)), new ShardManifest(json))
                .plan(new InputRoot(input, Optional.empty()), new KeyFilter(List.of("*.jsonl"), List.of()), output);
        assertEquals(1, plan.shardCount());
    }

    private ShardRunner.Report runOneShard(Storage input, Storage output, int attempt, UppercaseProcessor processor)
            throws IOException {
        return runOneShard(input, output, attempt, processor, new RunProgress());
    }

    private ShardRunner.Report runOneShard(
            Storage input, Storage output, int attempt, UppercaseProcessor processor, RunProgress progress)
            throws IOException {
        DocumentReaders readers = new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
        RunSettings settings = TestRunSettings.of(
                attempt, "writer-" + attempt, 100, 64, Compression.GZIP, Files.createTempDirectory(dir, "tmp"));
        return new ShardRunner(input, output, readers, processor, settings, json, progress)
                .run(new ShardManifest(json).readShard(output, 0));
    }

    /** Runs {@code shard} (read beforehand) with an uppercase processor. */
    private ShardRunner.Report runShard(Storage input, Storage output, int attempt, Shard shard) throws IOException {
        DocumentReaders readers = new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
        RunSettings settings = TestRunSettings.of(
                attempt, "writer-" + attempt, 100, 64, Compression.GZIP, Files.createTempDirectory(dir, "tmp"));
        return new ShardRunner(input, output, readers, new UppercaseProcessor(), settings, json, new RunProgress())
                .run(shard);
    }

    private static List<String> sorted(List<String> ids) {
        return ids.stream().sorted().toList();
    }

    /** The size of each of the two parts {@link #twoParts} writes: over the 5 MiB a multipart part needs, together. */
    private static final int PART = 3 * 1024 * 1024;

    /** Writes parts {@code p0} (all 'a') and {@code p1} (all 'b') under {@code name} straight to S3Mock. */
    private static Storage twoParts(String name) throws IOException {
        byte[] first = new byte[PART];
        byte[] second = new byte[PART];
        java.util.Arrays.fill(first, (byte) 'a');
        java.util.Arrays.fill(second, (byte) 'b');
        Storage direct = direct("out", name);
        direct.put("p0", first);
        direct.put("p1", second);
        return direct;
    }

    /** {@code joined} is p0 then p1, whole. */
    private static void assertJoined(byte[] joined) {
        assertEquals(2 * PART, joined.length);
        assertEquals('a', joined[PART - 1]);
        assertEquals('b', joined[PART]);
    }

    private static Storage direct(String bucket, String prefix) {
        return new S3Storage(directClient, bucket, prefix);
    }

    private static S3Storage throughProxy(OutageProxy proxy, String bucket, String prefix, Duration maxOutage) {
        return new S3Storage(
                StorageResolver.s3Client(options(proxy.endpoint())),
                bucket,
                prefix,
                Duration.ofMillis(5),
                maxOutage,
                FIRST_PROBE);
    }

    private static S3Options options(String endpoint) {
        return new S3Options(
                Optional.of(URI.create(endpoint)),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
    }

    /** What the gates log: the closing warnings and the notices that a store is healthy again. */
    private static final class GateLog extends Handler {
        final List<String> warnings = new CopyOnWriteArrayList<>();
        final List<String> healthy = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            if (record.getLevel() == Level.WARNING) {
                warnings.add(record.getMessage());
            } else if (record.getLevel() == Level.INFO && record.getMessage().contains("healthy again")) {
                healthy.add(record.getMessage());
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        @Override
        public String toString() {
            return "warnings " + warnings + ", healthy " + healthy;
        }
    }
}
