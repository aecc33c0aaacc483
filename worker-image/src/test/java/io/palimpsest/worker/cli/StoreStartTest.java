package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.testing.S3Jobs;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * An {@code s3://} endpoint nothing answers at (a wrong port, a store not started) before the run: {@code local}
 * and {@code plan} by hand stop at once with exit 75, naming the endpoint, where it is set and the URI field at its
 * line, as they do for a model that does not answer, where they waited the whole {@code --max-outage} and then
 * named only the bucket. A planner in a pod waits it out (a store restarting while pods start), and its message
 * past the limit names the endpoint.
 */
class StoreStartTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    /** Longer than any of these tests may take: a run that waits it out has not stopped at once. */
    private static final String MAX_OUTAGE = "PT30S";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"input", "output"})
    void localStopsAtOnceWhenTheStoreNeverAnswered(String role) throws Exception {
        String name = "dead-" + role;
        upload(name);
        String dead = "http://127.0.0.1:" + portWithNothingListening();
        Path job = writeJob("s3://corpus/" + name + "/", "s3://out/" + name + "/");
        String uri = role.equals("input") ? "s3://corpus/" + name : "s3://out/" + name;
        LocalCommand local =
                local(job, role.equals("input") ? dead : s3Mock(), role.equals("output") ? dead : s3Mock(), Map.of());

        long start = System.nanoTime();
        Exception failed = assertThrows(Exception.class, local::call);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(ExitCodes.STORE_UNREACHABLE, PalimpsestCli.exitCodeOf(failed), String.valueOf(failed));
        assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "stopped at once, not after --max-outage: " + took);
        String message = ErrorLine.of(failed);
        assertTrue(
                message.startsWith(job + ":" + S3Jobs.lineOf(job, uri) + ": spec." + role + ".uri " + uri + ": "),
                message);
        assertTrue(message.contains(dead), "the endpoint used: " + message);
        assertTrue(
                message.contains("the AWS_ENDPOINT_URL_S3 key of spec." + role + ".credentialsSecretRef"),
                "where it is set: " + message);
        assertTrue(message.contains("Nothing was written"), message);
        try (Storage out = direct().open("s3://out/" + name + "/")) {
            assertEquals(List.of(), out.list(""), "nothing written");
        }
    }

    /** Set in the environment rather than a credentials Secret: the message says that variable. */
    @Test
    void planByHandNamesTheEnvironmentVariableThatSetsTheEndpoint() throws Exception {
        upload("dead-env");
        String dead = "http://127.0.0.1:" + portWithNothingListening();
        var loaded = new JobManifests().load(writeJob("s3://corpus/dead-env/", "s3://out/dead-env/"));
        ObjectMapper json = new ObjectMapper();
        Map<String, String> env = Map.of(
                "AWS_ENDPOINT_URL_S3",
                dead,
                "AWS_ACCESS_KEY_ID",
                "test-access",
                "AWS_SECRET_ACCESS_KEY",
                "test-secret",
                "PALIMPSEST_INPUT_CREDENTIALS_DIR",
                dir.resolve("none").toString(),
                "PALIMPSEST_OUTPUT_CREDENTIALS_DIR",
                dir.resolve("none").toString());
        WorkerEnvironment byHand = new WorkerEnvironment(env)
                .withDefaultChain(() ->
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));

        try (JobRuntime runtime = new JobRuntime(loaded.job(), byHand, json).storeOutage(Duration.parse(MAX_OUTAGE))) {
            long start = System.nanoTime();
            Exception failed = assertThrows(Exception.class, () -> PlanCommand.plan(runtime, json, false));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertEquals(ExitCodes.STORE_UNREACHABLE, PalimpsestCli.exitCodeOf(failed), String.valueOf(failed));
            assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "stopped at once: " + took);
            assertTrue(failed.getMessage().startsWith("spec.input.uri s3://corpus/dead-env: "), failed.getMessage());
            assertTrue(failed.getMessage().contains(dead), failed.getMessage());
            assertTrue(
                    failed.getMessage().contains("the environment variable AWS_ENDPOINT_URL_S3"), failed.getMessage());
        }
    }

    /**
     * In a pod, the store may be restarting while the planner starts: it waits, as for any outage, and past the
     * limit exits 75 with a message that names the endpoint and where it is set, not only the bucket.
     */
    @Test
    void aPlannerInAPodWaitsAndItsOutageMessageNamesTheEndpoint() throws Exception {
        upload("dead-pod");
        String dead = "http://127.0.0.1:" + portWithNothingListening();
        var loaded = new JobManifests().load(writeJob("s3://corpus/dead-pod/", "s3://out/dead-pod/"));
        ObjectMapper json = new ObjectMapper();
        WorkerEnvironment inPod = environment(dead, s3Mock(), Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"));

        try (JobRuntime runtime = new JobRuntime(loaded.job(), inPod, json).storeOutage(Duration.ofSeconds(3))) {
            Exception failed = assertThrows(Exception.class, () -> PlanCommand.plan(runtime, json, false));

            assertEquals(ExitCodes.STORE_UNREACHABLE, PalimpsestCli.exitCodeOf(failed), String.valueOf(failed));
            String message = ErrorLine.of(failed);
            assertTrue(message.contains("unavailable for more than 3 s"), "waited the outage out: " + message);
            assertTrue(message.contains(dead), "the endpoint: " + message);
            assertTrue(message.contains("AWS_ENDPOINT_URL_S3 key of spec.input.credentialsSecretRef"), message);
        }
        try (Storage out = direct().open("s3://out/dead-pod/")) {
            assertEquals(List.of(), out.list(""), "nothing written");
        }
    }

    /** A store that answers is planned and run as before: the check costs no request and refuses nothing. */
    @Test
    void localAgainstAStoreThatAnswersCommits() throws Exception {
        upload("alive");
        Path job = writeJob("s3://corpus/alive/", "s3://out/alive/");

        int exit = local(job, s3Mock(), s3Mock(), Map.of()).call();

        assertEquals(ExitCodes.DONE, exit);
        try (Storage out = direct().open("s3://out/alive/")) {
            assertFalse(out.list("_palimpsest/receipts").isEmpty(), "committed");
        }
    }

    private LocalCommand local(Path job, String inputEndpoint, String outputEndpoint, Map<String, String> more)
            throws IOException {
        LocalCommand local = new LocalCommand();
        local.environment = environment(inputEndpoint, outputEndpoint, more);
        new CommandLine(local)
                .parseArgs(
                        "-f",
                        job.toString(),
                        "--simulate",
                        "--parallel-shards",
                        "1",
                        "--max-outage",
                        MAX_OUTAGE,
                        "--stop-within",
                        "PT1S");
        return local;
    }

    private WorkerEnvironment environment(String inputEndpoint, String outputEndpoint, Map<String, String> more)
            throws IOException {
        Map<String, String> env = new HashMap<>(more);
        env.put(
                "PALIMPSEST_INPUT_CREDENTIALS_DIR",
                secret("input", inputEndpoint).toString());
        env.put(
                "PALIMPSEST_OUTPUT_CREDENTIALS_DIR",
                secret("output", outputEndpoint).toString());
        return new WorkerEnvironment(env);
    }

    private Path secret(String role, String endpoint) throws IOException {
        Path secret = Files.createDirectories(dir.resolve("secret-" + role));
        Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "test-access");
        Files.writeString(secret.resolve("AWS_SECRET_ACCESS_KEY"), "test-secret");
        Files.writeString(secret.resolve("AWS_ENDPOINT_URL_S3"), endpoint);
        return secret;
    }

    /** A port that was free a moment ago: connections to it are refused. */
    private static int portWithNothingListening() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String s3Mock() {
        return "http://localhost:" + S3.getHttpPort();
    }

    private void upload(String name) throws IOException {
        S3Jobs.upload(direct(), name, 3);
    }

    private Path writeJob(String input, String output) throws IOException {
        return S3Jobs.writeJob(dir, "start", input, output);
    }

    private static StorageResolver direct() {
        return S3Jobs.direct(s3Mock());
    }
}
