package io.palimpsest.worker.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * What stops a run by hand at once and what it waits out ({@link StoreStartCheck}): a store that gives its first
 * request no answer stops it; one that answered once, even 503, is waited for when it goes down, also by another
 * storage of the same store that had not sent a request yet (the output, after the input answered).
 */
class StoreStartCheckTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    private static final Duration MAX_OUTAGE = Duration.ofMinutes(1);

    /** Refused, or taken and closed without a byte of answer: either way nothing ever answered. */
    @ParameterizedTest
    @EnumSource(
            value = OutageProxy.Mode.class,
            names = {"REFUSE", "CLOSE_UNANSWERED"})
    void aFirstRequestNothingAnswersStopsAtOnceNamingTheAddress(OutageProxy.Mode mode) throws IOException {
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort())) {
            proxy.down(mode, Duration.ofHours(1));
            try (S3Storage out = throughProxy(proxy, "out", "never", new StoreStartCheck())) {
                long start = System.nanoTime();
                StoreUnavailableException failed = assertThrows(StoreUnavailableException.class, () -> out.list(""));

                assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(20)) < 0);
                assertTrue(failed.getMessage().contains(proxy.endpoint()), failed.getMessage());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = OutageProxy.Mode.class,
            names = {"REFUSE", "CLOSE_UNANSWERED"})
    void aStoreThatAnsweredOnceIsWaitedForAlsoByAStorageThatHadNotAskedYet(OutageProxy.Mode mode) throws Exception {
        StoreStartCheck check = new StoreStartCheck();
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage input = throughProxy(proxy, "corpus", "answered", check);
                S3Storage output = throughProxy(proxy, "out", "answered", check)) {
            input.put("a.jsonl", "{}\n".getBytes(StandardCharsets.UTF_8));
            proxy.down(mode, Duration.ofSeconds(3));

            assertEquals(List.of(), output.list(""), "waited for the store, then listed");
            assertEquals(1, input.list("").size());
        }
    }

    /**
     * An upload whose connection the store resets while its body is still being sent (a store restarting mid-upload):
     * the JDK's client says only "Error writing request body to server", without the reset as its cause; an outage,
     * waited out, not a failure of the attempt.
     */
    @Test
    void anUploadResetWhileItsBodyIsSentIsWaitedFor() throws Exception {
        StoreStartCheck check = new StoreStartCheck();
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage output = throughProxy(proxy, "out", "reset-body", check)) {
            assertEquals(List.of(), output.list(""), "the store answered once");
            byte[] body = new byte[8 << 20];
            new java.util.Random(7).nextBytes(body);
            proxy.down(OutageProxy.Mode.RESET_MID_BODY, Duration.ofSeconds(3));

            output.put("big.bin", body);

            assertEquals(body.length, output.size("big.bin"));
        }
    }

    @Test
    void aStoreWhoseFirstAnswerIsSlowDownIsWaitedFor() throws Exception {
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage output = throughProxy(proxy, "out", "slow", new StoreStartCheck())) {
            proxy.down(OutageProxy.Mode.SLOW_DOWN, Duration.ofSeconds(10));

            assertEquals(List.of(), output.list(""), "a 503 is an answer: waited, then listed");
            assertTrue(proxy.refusals() > 0, "the first requests met the 503s");
        }
    }

    /** An answer that began (a status line, headers and some of the body) and was cut: the store is there. */
    @Test
    void aStoreWhoseFirstAnswersAreCutShortIsWaitedFor() throws Exception {
        try (OutageProxy proxy = new OutageProxy(S3.getHttpPort());
                S3Storage output = throughProxy(proxy, "out", "cut", new StoreStartCheck())) {
            proxy.down(OutageProxy.Mode.CUT_CHUNKED_ANSWERS, Duration.ofSeconds(3));

            assertEquals(List.of(), output.list(""), "a cut answer is an answer: waited, then listed");
            assertTrue(proxy.cuts() > 0, "the first requests' answers were cut");
        }
    }

    private static S3Storage throughProxy(OutageProxy proxy, String bucket, String prefix, StoreStartCheck check) {
        S3Options options = new S3Options(
                Optional.of(URI.create(proxy.endpoint())),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        return new S3Storage(
                        StorageResolver.s3Client(options),
                        bucket,
                        prefix,
                        Duration.ofMillis(5),
                        MAX_OUTAGE,
                        Duration.ofMillis(200))
                .stoppingAtStart(check);
    }
}
