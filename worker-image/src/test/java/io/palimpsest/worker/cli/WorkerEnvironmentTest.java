package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.SecretDirectoryCredentials;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Where the worker's S3 settings come from: the mounted secret, the pod's environment, the default chain. */
class WorkerEnvironmentTest {

    @TempDir
    Path dir;

    @Test
    void aSecretWithKeysSignsAndOneWithOnlyAnEndpointLeavesTheKeysToTheDefaultChain() throws Exception {
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Files.writeString(keys.resolve("AWS_ACCESS_KEY_ID"), "id");
        Files.writeString(keys.resolve("AWS_SECRET_ACCESS_KEY"), "secret");
        Path endpointOnly = Files.createDirectories(dir.resolve("endpoint-only"));
        Files.writeString(endpointOnly.resolve("endpoint"), "https://minio.internal:9000\n");
        Files.writeString(endpointOnly.resolve("region"), "eu-west-1");
        WorkerEnvironment env = new WorkerEnvironment(Map.of(
                "PALIMPSEST_INPUT_CREDENTIALS_DIR", keys.toString(),
                "PALIMPSEST_OUTPUT_CREDENTIALS_DIR", endpointOnly.toString()));

        S3Options input = env.s3Options("input");
        assertInstanceOf(SecretDirectoryCredentials.class, input.credentials());
        assertEquals("id", input.credentials().resolveCredentials().accessKeyId());

        S3Options output = env.s3Options("output");
        assertInstanceOf(DefaultCredentialsProvider.class, output.credentials(), "web identity, pod identity, role");
        assertEquals(Optional.of(URI.create("https://minio.internal:9000")), output.endpoint());
        assertEquals("eu-west-1", output.region());
    }

    /**
     * EKS IRSA: the pod has a web identity token and a role, and the chain's provider exchanges them at
     * STS, which needs the sts module on the class path; without it the provider fails before any call
     * ("the 'sts' service module must be on the class path") and the chain falls through to the node's
     * role. Here the call is made (and fails for want of a real STS), which is what the module decides.
     */
    @Test
    void aWebIdentityTokenGoesToSts() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "a.jwt.token");
        Throwable failure =
                assertThrows(SdkClientException.class, () -> WebIdentityTokenFileCredentialsProvider.builder()
                        .roleArn("arn:aws:iam::123456789012:role/palimpsest-worker")
                        .roleSessionName("worker")
                        .webIdentityTokenFile(token)
                        .build()
                        .resolveCredentials());
        for (Throwable t = failure; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains("must be on the class path"), t.toString());
        }
    }
}
