package io.palimpsest.worker.storage;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How to reach an S3-compatible store. {@code endpoint} overrides AWS for MinIO, R2 or a test
 * server; those usually need path-style addressing. Credentials are a provider, never strings
 * here, so they cannot end up in a log line or a toString. {@code credentialsSetting} names where
 * they come from (the job's field and where it is mounted), for the message when the store refuses them.
 */
public record S3Options(
        Optional<URI> endpoint,
        String region,
        boolean pathStyle,
        AwsCredentialsProvider credentials,
        String credentialsSetting) {

    /** Options whose credentials' origin is not known more closely than the job's two settings. */
    public static final String ANY_CREDENTIALS_SETTING =
            "spec.input.credentialsSecretRef / spec.output.credentialsSecretRef";

    public S3Options(Optional<URI> endpoint, String region, boolean pathStyle, AwsCredentialsProvider credentials) {
        this(endpoint, region, pathStyle, credentials, ANY_CREDENTIALS_SETTING);
    }
}
