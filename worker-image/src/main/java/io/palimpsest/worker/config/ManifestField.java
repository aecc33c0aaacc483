package io.palimpsest.worker.config;

/**
 * A field of one of the manifests a job is made of, named by the path lint reports
 * ({@code spec.input.uri}, {@code spec.endpoint.url}): what a refusal is about, carried with it as data so that
 * a run from manifest files can put the file and line before it without reading its words.
 */
public record ManifestField(Manifest manifest, String path) {

    /** Which manifest: a RewriteJob's fields and its RewriterModel's may be in different files. */
    public enum Manifest {
        REWRITE_JOB,
        REWRITER_MODEL
    }

    public static ManifestField job(String path) {
        return new ManifestField(Manifest.REWRITE_JOB, path);
    }

    public static ManifestField model(String path) {
        return new ManifestField(Manifest.REWRITER_MODEL, path);
    }
}
