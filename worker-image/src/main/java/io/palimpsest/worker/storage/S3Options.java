package io.palimpsest.worker.storage;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How to reach an S3-compatible store. {@code endpoint} overrides AWS for MinIO, R2 or a test
 * server; those usually need path-style addressing. Credentials are a provider, never strings
 * here, so they cannot end up in a log line or a toString. {@code credentialsSetting} names where
 * they come from (the job's field and where it is mounted), for the message when the store refuses them.
 * {@code noCredentials} says what the default chain finding no credentials means where this runs.
 * {@code uriField} names the job's URI field these options serve ({@code spec.input.uri}), and
 * {@code regionSetting} where {@code region} comes from, for the message when the store says the bucket
 * does not exist or lives in another region. {@code endpointSetting} says where the endpoint is set (a key of the
 * credentials Secret, an environment variable), or that none is and AWS's own is used, for the message when nothing
 * answers there.
 */
public record S3Options(
        Optional<URI> endpoint,
        String region,
        boolean pathStyle,
        AwsCredentialsProvider credentials,
        String credentialsSetting,
        NoCredentials noCredentials,
        String uriField,
        String regionSetting,
        String endpointSetting) {

    /** What the default credentials chain finding no credentials ({@code Unable to load credentials}) means. */
    public enum NoCredentials {
        /**
         * In a pod: a moment's failure as often as a missing setting (STS throttling hundreds of pods
         * that start at once, the Pod Identity agent not ready on a new node, an instance-metadata
         * timeout): the attempt fails (exit 1) and the next one asks again.
         */
        RETRIED,
        /**
         * On a laptop ({@code local}, or a command run by hand outside a pod): nothing gives credentials,
         * the same for every shard and every retry: a configuration error (exit 78) naming what to set.
         */
        CONFIGURATION
    }

    public S3Options(
            Optional<URI> endpoint,
            String region,
            boolean pathStyle,
            AwsCredentialsProvider credentials,
            String credentialsSetting) {
        this(
                endpoint,
                region,
                pathStyle,
                credentials,
                credentialsSetting,
                NoCredentials.RETRIED,
                ANY_URI_FIELD,
                ANY_REGION_SETTING,
                ANY_ENDPOINT_SETTING);
    }

    /** Options not known to serve the job's input rather than its output, or the reverse. */
    public static final String ANY_URI_FIELD = "spec.input.uri / spec.output.uri";

    /** Options whose endpoint's origin is not known more closely than the variable that sets it. */
    public static final String ANY_ENDPOINT_SETTING =
            "AWS_ENDPOINT_URL_S3 (in the environment or as a key of the job's credentialsSecretRef)";

    /** Options whose region's origin is not known more closely than the variable that sets it. */
    public static final String ANY_REGION_SETTING = "AWS_REGION";

    /** Options whose credentials' origin is not known more closely than the job's two settings. */
    public static final String ANY_CREDENTIALS_SETTING =
            "spec.input.credentialsSecretRef / spec.output.credentialsSecretRef";

    public S3Options(Optional<URI> endpoint, String region, boolean pathStyle, AwsCredentialsProvider credentials) {
        this(endpoint, region, pathStyle, credentials, ANY_CREDENTIALS_SETTING);
    }
}
