package io.palimpsest.worker.storage;

import io.palimpsest.api.lint.StorageUris;
import java.net.URI;
import java.nio.file.Path;

/**
 * A parsed storage URI: {@code file:///data/in}, a plain absolute path, {@code pvc://claim/path}
 * or {@code s3://bucket/prefix}. For {@code pvc} the authority is the claim name; for {@code s3}
 * it is the bucket.
 */
public record StorageUri(Scheme scheme, String authority, String path) {

    public enum Scheme {
        FILE,
        PVC,
        S3
    }

    public static StorageUri parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("storage uri is empty");
        }
        // checked on the text as written, before any resolution could fold a '..' away
        StorageUris.pathProblem(uri).ifPresent(problem -> {
            throw new IllegalArgumentException("storage uri '" + uri + "' " + problem);
        });
        if (uri.startsWith("s3://")) {
            return authorityAndPath(Scheme.S3, uri, "s3://");
        }
        if (uri.startsWith("pvc://")) {
            return authorityAndPath(Scheme.PVC, uri, "pvc://");
        }
        if (uri.startsWith("file:///")) {
            return new StorageUri(Scheme.FILE, "", Path.of(URI.create(uri)).toString());
        }
        if (uri.startsWith("file://")) {
            // file://data/ is a path relative to the working directory (manifests for local runs use it)
            return new StorageUri(
                    Scheme.FILE,
                    "",
                    Path.of(uri.substring("file://".length())).toAbsolutePath().toString());
        }
        if (uri.contains("://")) {
            throw new IllegalArgumentException("unsupported storage uri '" + uri + "': use s3://, pvc:// or file://");
        }
        return new StorageUri(Scheme.FILE, "", Path.of(uri).toAbsolutePath().toString());
    }

    private static StorageUri authorityAndPath(Scheme scheme, String uri, String schemePrefix) {
        String rest = uri.substring(schemePrefix.length());
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        if (authority.isEmpty()) {
            throw new IllegalArgumentException(
                    "storage uri '" + uri + "' names no " + (scheme == Scheme.S3 ? "bucket" : "claim"));
        }
        return new StorageUri(scheme, authority, path);
    }
}
