package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.StoreRefusedException;
import io.palimpsest.worker.testing.S3MockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * An {@code s3://} input or output and no credentials anywhere (no mounted Secret with keys, and the
 * default chain finds none). On the user's machine ({@code local}, or {@code plan} by hand) that is a
 * configuration error the same for every shard: exit 78 with a message naming what to set. In a pod
 * it stays a failure of the attempt (exit 1, retried): STS throttling or an agent not ready fail so
 * for a moment too.
 */
class NoCredentialsTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    private static final Path QUICKSTART = Path.of("../examples/quickstart");

    @TempDir
    Path dir;

    /** The SDK's default chain as it fails where nothing gives credentials (no call leaves the machine). */
    private static AwsCredentialsProvider noCredentialsAnywhere() {
        AwsCredentialsProvider nothing = () -> {
            throw SdkClientException.create("Unable to load credentials from system settings: Access key must be"
                    + " specified either via environment variable (AWS_ACCESS_KEY_ID) or system property"
                    + " (aws.accessKeyId).");
        };
        return AwsCredentialsProviderChain.builder()
                .credentialsProviders(nothing)
                .build();
    }

    private WorkerEnvironment environment(boolean inPod) throws Exception {
        Path emptySecret = Files.createDirectories(dir.resolve("no-secret"));
        Map<String, String> env = new HashMap<>(Map.of(
                "PALIMPSEST_INPUT_CREDENTIALS_DIR", emptySecret.toString(),
                "PALIMPSEST_OUTPUT_CREDENTIALS_DIR", emptySecret.toString(),
                "AWS_ENDPOINT_URL_S3", "http://localhost:" + S3.getHttpPort()));
        if (inPod) {
            env.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        }
        return new WorkerEnvironment(env).withDefaultChain(NoCredentialsTest::noCredentialsAnywhere);
    }

    private static void assertNamesWhatToSet(String message) {
        assertTrue(message.contains("no AWS credentials were found"), message);
        assertTrue(message.contains("AWS_ACCESS_KEY_ID"), message);
        assertTrue(message.contains("AWS_PROFILE"), message);
        assertTrue(message.contains("credentialsSecretRef"), message);
    }

    /** {@code local} runs on the user's machine, even where the environment looks like a pod's. */
    @Test
    void localWithoutCredentialsIsAConfigurationError() throws Exception {
        LocalCommand local = new LocalCommand();
        local.environment = environment(true);
        new CommandLine(local)
                .parseArgs(
                        "-f",
                        QUICKSTART.toString(),
                        "--simulate",
                        "--parallel-shards",
                        "1",
                        "--out",
                        "s3://out/no-credentials/");

        Exception failed = assertThrows(Exception.class, local::call);

        assertTrue(StoreRefusedException.in(failed).isPresent(), String.valueOf(failed));
        assertEquals(ExitCodes.MODEL_CONFIG, PalimpsestCli.exitCodeOf(failed));
        assertNamesWhatToSet(failed.getMessage());
    }

    /** {@code plan} by hand agrees with {@code local}; in a pod (the planner Job) the attempt fails and is retried. */
    @Test
    void planByHandAgreesWithLocalAndInAPodFailsOnlyTheAttempt() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var loaded = new JobManifests().load(QUICKSTART);
        LocalPaths.resolve(loaded.job(), loaded.jobFile(), "s3://out/plan-no-credentials/");

        try (JobRuntime byHand = new JobRuntime(loaded.job(), environment(false), json)) {
            Exception failed = assertThrows(Exception.class, () -> PlanCommand.plan(byHand, json, false));
            assertTrue(StoreRefusedException.in(failed).isPresent(), String.valueOf(failed));
            assertEquals(ExitCodes.MODEL_CONFIG, PalimpsestCli.exitCodeOf(failed));
            assertNamesWhatToSet(failed.getMessage());
        }

        try (JobRuntime inPod = new JobRuntime(loaded.job(), environment(true), json)) {
            Exception failed = assertThrows(Exception.class, () -> PlanCommand.plan(inPod, json, false));
            assertFalse(StoreRefusedException.in(failed).isPresent(), String.valueOf(failed));
            assertEquals(ExitCodes.FAILED, PalimpsestCli.exitCodeOf(failed));
            assertTrue(failed.getMessage().contains("the next one asks again"), failed.getMessage());
        }
    }

    @Test
    void whatNoCredentialsMeansFollowsWhereTheCommandRuns() throws Exception {
        assertEquals(
                S3Options.NoCredentials.CONFIGURATION,
                environment(false).s3Options("output").noCredentials());
        assertEquals(
                S3Options.NoCredentials.RETRIED,
                environment(true).s3Options("output").noCredentials());
        assertEquals(
                S3Options.NoCredentials.CONFIGURATION,
                environment(true).onThisMachine().s3Options("output").noCredentials());
    }
}
