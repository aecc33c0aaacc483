package io.palimpsest.worker.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Credentials from a Kubernetes Secret mounted as a directory, one file per key. Accepts the
 * AWS environment names ({@code AWS_ACCESS_KEY_ID}) and the camel-case names MinIO and many charts
 * use ({@code accessKeyId}). Files are re-read on every resolve so rotated secrets take effect.
 */
public final class SecretDirectoryCredentials implements AwsCredentialsProvider {

    private static final List<String> ACCESS_KEY_NAMES =
            List.of("AWS_ACCESS_KEY_ID", "accessKeyId", "access_key_id", "accesskey");
    private static final List<String> SECRET_KEY_NAMES =
            List.of("AWS_SECRET_ACCESS_KEY", "secretAccessKey", "secret_access_key", "secretkey");
    private static final List<String> SESSION_TOKEN_NAMES =
            List.of("AWS_SESSION_TOKEN", "sessionToken", "session_token");

    private final Path directory;

    public SecretDirectoryCredentials(Path directory) {
        this.directory = directory;
    }

    @Override
    public AwsCredentials resolveCredentials() {
        String accessKey = firstFile(ACCESS_KEY_NAMES).orElseThrow(() -> missing(ACCESS_KEY_NAMES));
        String secretKey = firstFile(SECRET_KEY_NAMES).orElseThrow(() -> missing(SECRET_KEY_NAMES));
        Optional<String> session = firstFile(SESSION_TOKEN_NAMES);
        return session.<AwsCredentials>map(token -> AwsSessionCredentials.create(accessKey, secretKey, token))
                .orElseGet(() -> AwsBasicCredentials.create(accessKey, secretKey));
    }

    /**
     * Whether the secret holds an access key at all. One that holds only an endpoint or a region
     * leaves the credentials to the default chain (web identity, pod identity, instance role).
     */
    public boolean holdsKeys() {
        return firstFile(ACCESS_KEY_NAMES).isPresent();
    }

    /** An optional value (endpoint, region) stored beside the keys in the same secret. */
    public Optional<String> value(String... names) {
        return firstFile(List.of(names));
    }

    /** The first of {@code names} this Secret holds a key of. */
    public Optional<String> keyOf(List<String> names) {
        return names.stream()
                .filter(name -> Files.isRegularFile(directory.resolve(name)))
                .findFirst();
    }

    private Optional<String> firstFile(List<String> names) {
        for (String name : names) {
            Path file = directory.resolve(name);
            if (Files.isRegularFile(file)) {
                try {
                    return Optional.of(
                            Files.readString(file, StandardCharsets.UTF_8).trim());
                } catch (IOException e) {
                    throw new Unusable("cannot read secret file " + file + ": " + e, e);
                }
            }
        }
        return Optional.empty();
    }

    private IllegalStateException missing(List<String> names) {
        return new Unusable("secret directory " + directory + " has none of the files " + names, null);
    }

    /** The mounted Secret cannot give credentials: a key's file is missing or unreadable. */
    public static final class Unusable extends IllegalStateException {
        Unusable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public String toString() {
        return "SecretDirectoryCredentials[" + directory + "]";
    }
}
