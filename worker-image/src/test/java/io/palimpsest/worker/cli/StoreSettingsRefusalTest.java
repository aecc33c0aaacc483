package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.storage.StoreRefusedException;
import io.palimpsest.worker.testing.S3ErrorServer;
import io.palimpsest.worker.testing.S3Jobs;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * An {@code s3://} input or output the job's settings cannot reach, the same for every document and every
 * shard: a bucket that does not exist (404 NoSuchBucket), or a store addressed in the wrong region (301
 * PermanentRedirect, 400 AuthorizationHeaderMalformed). The run stops before anything is written with a
 * message naming the setting to fix (at its line for {@code local -f}) and exit 78, so a cluster's planner or
 * worker Job fails at once, rather than exit 1 with the SDK's words, which a Job retries and every shard meets.
 */
class StoreSettingsRefusalTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"input", "output"})
    void aBucketThatDoesNotExistStopsLocalAtItsUriLine(String role) throws Exception {
        String name = "missing-" + role;
        upload(name);
        String input = role.equals("input") ? "s3://no-such-corpus/" + name + "/" : "s3://corpus/" + name + "/";
        String output = role.equals("output") ? "s3://no-such-out/" + name + "/" : "s3://out/" + name + "/";
        Path job = writeJob(input, output);

        Exception failed = assertThrows(Exception.class, local(job, s3Mock(), s3Mock())::call);

        assertEquals(ExitCodes.MODEL_CONFIG, PalimpsestCli.exitCodeOf(failed), String.valueOf(failed));
        String message = ErrorLine.of(failed);
        String uri = role.equals("input") ? input : output;
        String bucket = URI.create(uri).getHost();
        assertTrue(
                message.startsWith(job + ":" + S3Jobs.lineOf(job, uri) + ": spec." + role + ".uri "
                        + uri.replaceAll("/$", "") + ": the bucket '" + bucket + "' does not exist"),
                message);
        assertTrue(message.contains("NoSuchBucket, HTTP 404"), message);
        try (Storage out = direct().open("s3://out/" + name + "/")) {
            assertEquals(List.of(), out.list(""), "nothing written");
        }
    }

    /** The planner's pod exits 78 too: its Job fails at once (PlanningFailed), not after its retries. */
    @Test
    void aPlannerInAPodStopsAtOnceOnABucketThatDoesNotExist() throws Exception {
        upload("missing-pod");
        var loaded = new JobManifests().load(writeJob("s3://corpus/missing-pod/", "s3://no-such-out/missing-pod/"));
        ObjectMapper json = new ObjectMapper();
        WorkerEnvironment inPod = environment(s3Mock(), s3Mock(), true);

        try (JobRuntime runtime = new JobRuntime(loaded.job(), inPod, json)) {
            Exception failed = assertThrows(Exception.class, () -> PlanCommand.plan(runtime, json, false));
            assertTrue(StoreRefusedException.in(failed).isPresent(), String.valueOf(failed));
            assertEquals(ExitCodes.MODEL_CONFIG, PalimpsestCli.exitCodeOf(failed));
            assertTrue(
                    failed.getMessage().startsWith("spec.output.uri s3://no-such-out/missing-pod: the bucket"),
                    failed.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "301|PermanentRedirect|The bucket you are attempting to access must be addressed using the specified"
                        + " endpoint. Please send all future requests to this endpoint.",
                "400|AuthorizationHeaderMalformed|The authorization header is malformed; the region 'us-east-1' is"
                        + " wrong; expecting 'eu-west-1'"
            })
    void aStoreInAnotherRegionStopsLocalNamingTheRegionSetting(int status, String code, String words) throws Exception {
        upload("region-" + code);
        try (S3ErrorServer otherRegion = new S3ErrorServer(status, code, words)) {
            Path job = writeJob("s3://corpus/region-" + code + "/", "s3://out/region-" + code + "/");

            Exception failed = assertThrows(Exception.class, local(job, otherRegion.url(), otherRegion.url())::call);

            assertEquals(ExitCodes.MODEL_CONFIG, PalimpsestCli.exitCodeOf(failed), String.valueOf(failed));
            String message = ErrorLine.of(failed);
            assertTrue(message.contains("another region than 'us-east-1'"), message);
            assertTrue(message.contains(code + ", HTTP " + status), message);
            assertTrue(message.contains("AWS_REGION"), message);
            assertTrue(message.contains(words), "the store's own words, which name the region: " + message);
        }
    }

    /**
     * An endpoint whose host no DNS name resolves (a typo, a VPN that is down) may be a moment's failure of the
     * resolver: the attempt fails (exit 1) and is retried, but the message names the host and where the endpoint
     * is set, where the SDK's own words sent the reader to a cause that is never printed.
     */
    @Test
    void anEndpointWhoseHostIsNotKnownIsNamed() throws Exception {
        upload("unknown-host");
        Path job = writeJob("s3://corpus/unknown-host/", "s3://out/unknown-host/");
        String unknown = "http://no-such-store.invalid:9000";

        Exception failed = assertThrows(Exception.class, local(job, unknown, unknown)::call);

        assertEquals(ExitCodes.FAILED, PalimpsestCli.exitCodeOf(failed), String.valueOf(failed));
        String message = ErrorLine.of(failed);
        assertTrue(
                message.startsWith("could not list s3://corpus/unknown-host/: the store's host 'no-such-store.invalid'"
                        + " is not known"),
                message);
        assertTrue(message.contains("endpoint " + unknown), message);
        assertTrue(message.contains("AWS_ENDPOINT_URL_S3"), message);
    }

    private LocalCommand local(Path job, String inputEndpoint, String outputEndpoint) throws IOException {
        LocalCommand local = new LocalCommand();
        local.environment = environment(inputEndpoint, outputEndpoint, false);
        new CommandLine(local).parseArgs("-f", job.toString(), "--simulate", "--parallel-shards", "1");
        return local;
    }

    private WorkerEnvironment environment(String inputEndpoint, String outputEndpoint, boolean inPod)
            throws IOException {
        Map<String, String> env = new HashMap<>(Map.of(
                "PALIMPSEST_INPUT_CREDENTIALS_DIR",
                        secret("input", inputEndpoint).toString(),
                "PALIMPSEST_OUTPUT_CREDENTIALS_DIR",
                        secret("output", outputEndpoint).toString()));
        if (inPod) {
            env.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        }
        return new WorkerEnvironment(env);
    }

    private Path secret(String role, String endpoint) throws IOException {
        Path secret = Files.createDirectories(dir.resolve("secret-" + role));
        Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "test-access");
        Files.writeString(secret.resolve("AWS_SECRET_ACCESS_KEY"), "test-secret");
        Files.writeString(secret.resolve("AWS_ENDPOINT_URL_S3"), endpoint);
        return secret;
    }

    private static String s3Mock() {
        return "http://localhost:" + S3.getHttpPort();
    }

    private void upload(String name) throws IOException {
        S3Jobs.upload(direct(), name, 5);
    }

    private Path writeJob(String input, String output) throws IOException {
        return S3Jobs.writeJob(dir, "settings", input, output);
    }

    private static StorageResolver direct() {
        return S3Jobs.direct(s3Mock());
    }
}
