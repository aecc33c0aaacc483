package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.plan.PlannedInput;
import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code palimpsest show s3://...} against a real S3 API server (S3Mock): a committed quickstart
 * output and its input in buckets, read with the credentials and endpoint a pod gets from its
 * mounted secrets.
 */
class ShowS3Test {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    @TempDir
    Path dir;

    @Test
    void showsACommittedOutputOnS3WithItsSourcesFromS3() throws Exception {
        Path local = dir.resolve("quickstart-out");
        assertEquals(
                0,
                PalimpsestCli.execute(
                        "local", "-f", "../examples/quickstart", "--simulate", "--out", local.toString()));

        String endpoint = "http://localhost:" + S3.getHttpPort();
        S3Options options = new S3Options(
                Optional.of(URI.create(endpoint)),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        StorageResolver resolver = new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options);
        try (Storage input = resolver.open("s3://corpus/quickstart/");
                Storage output = resolver.open("s3://out/runs/quickstart/")) {
            upload(Path.of("../examples/quickstart/data"), input);
            upload(local, output);
            ObjectMapper json = new ObjectMapper();
            ObjectNode planned = (ObjectNode) json.readTree(output.readAll(PlannedInput.KEY));
            planned.put("uri", "s3://corpus/quickstart/"); // the run read from S3, as a cluster's would
            output.put(PlannedInput.KEY, json.writeValueAsBytes(planned));
        }

        Path secret = Files.createDirectories(dir.resolve("secret"));
        Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "test-access");
        Files.writeString(secret.resolve("AWS_SECRET_ACCESS_KEY"), "test-secret");
        Files.writeString(secret.resolve("AWS_ENDPOINT_URL_S3"), endpoint);
        ShowCommand show = new ShowCommand();
        show.environment = new WorkerEnvironment(Map.of(
                "PALIMPSEST_INPUT_CREDENTIALS_DIR",
                secret.toString(),
                "PALIMPSEST_OUTPUT_CREDENTIALS_DIR",
                secret.toString()));

        CliRun run = CliRun.capture(() -> new CommandLine(show)
                .execute("s3://out/runs/quickstart/", "--id", "lighthouse-1", "--variant", "wiki"));
        String printed = run.out();
        assertEquals(0, run.exit(), printed + run.err());
        assertTrue(printed.contains("input    s3://corpus/quickstart/"), printed);
        assertTrue(printed.contains("== lighthouse-1  (shard "), printed);
        assertTrue(
                printed.contains("The lighthouse at Cape Orrin was built in 1871"),
                "the source, read from S3: " + printed);
        assertTrue(printed.contains("-- wiki: written"), printed);
        assertTrue(!printed.contains("-- qa:"), "only the variant asked for: " + printed);
    }

    private static void upload(Path from, Storage to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                to.put(from.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
    }
}
