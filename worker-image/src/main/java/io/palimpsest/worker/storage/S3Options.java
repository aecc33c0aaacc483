package io.palimpsest.worker.storage;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How to reach an S3-compatible store. {@code endpoint} overrides AWS for MinIO, R2 or a test
 * server; those usually need path-style addressing. Credentials are a provider, never strings
 * here, so they cannot end up in a log line or a toString.
 */
public record S3Options(Optional<URI> endpoint, String region, boolean pathStyle, AwsCredentialsProvider credentials) {}
