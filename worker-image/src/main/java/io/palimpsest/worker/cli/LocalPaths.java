package io.palimpsest.worker.cli;

import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Relative {@code file://} URIs in a manifest, for runs by hand ({@code local}, {@code preview}, and
 * {@code plan}, {@code run}, {@code tally} given {@code -f}): the input is read relative to the manifest's
 * folder (the sample data sits beside it), the output is written relative to the current directory (or
 * to {@code --out}). A cluster refuses {@code file://}, so a pod never meets them.
 */
final class LocalPaths {

    private LocalPaths() {}

    /**
     * @param outOverride {@code --out}: a URI ({@code s3://...}, {@code file:///...}, a relative {@code file://...}
     *     taken from the current directory) or a plain path
     */
    static void resolve(ResolvedJob job, Path manifestFile, String outOverride) {
        Path manifestDir = manifestFile.toAbsolutePath().getParent();
        var input = job.getSpec().getInput();
        if (isRelativeFileUri(input.getUri())) {
            input.setUri(manifestDir
                    .resolve(input.getUri().substring("file://".length()))
                    .normalize()
                    .toUri()
                    .toString());
        }
        var output = job.getSpec().getOutput();
        if (outOverride != null) {
            output.setUri(outputUri(outOverride));
        }
        if (isRelativeFileUri(output.getUri())) {
            output.setUri(Path.of(output.getUri().substring("file://".length()))
                    .toAbsolutePath()
                    .normalize()
                    .toUri()
                    .toString());
        }
        // --out and relative paths are resolved only here, so the overlap is checked again on what will be used
        var overlap = StorageUris.overlap(input.getUri(), output.getUri());
        if (overlap != StorageUris.Overlap.NONE) {
            // about the output, or the input when --out gave the output
            throw new InvalidJobException(
                    "output " + output.getUri()
                            + (overlap == StorageUris.Overlap.INPUT_INSIDE_OUTPUT
                                    ? " contains the input "
                                    : overlap == StorageUris.Overlap.SAME ? " is the input " : " is inside the input ")
                            + input.getUri() + "; the job would read its own output",
                    List.of(ManifestField.job("spec.output.uri"), ManifestField.job("spec.input.uri")));
        }
    }

    /** {@code --out} as a URI: one with a scheme is taken as it is, a path is made absolute. */
    static String outputUri(String outOverride) {
        return outOverride.matches("[A-Za-z][A-Za-z0-9+.-]*://.*")
                ? outOverride
                : Path.of(outOverride).toAbsolutePath().normalize().toUri().toString();
    }

    /**
     * A folder option of a run by hand (preview's {@code --out}) in the forms {@code local --out} takes for a
     * local output: a plain path, a {@code file:///...} URI or a relative {@code file://...} one (from the
     * current directory). A URI of another scheme is refused: the folder is written with local files.
     */
    static Path localFolder(String option, String value, String instead) {
        if (!value.matches("[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            return Path.of(value);
        }
        if (value.startsWith("file:///")) {
            try {
                return Path.of(URI.create(value));
            } catch (IllegalArgumentException e) {
                return Path.of(value.substring("file://".length()));
            }
        }
        if (isRelativeFileUri(value)) {
            return Path.of(value.substring("file://".length()));
        }
        throw new InvalidJobException(
                option + " " + value + ": a local folder, given as a path or a file:// URI, not a "
                        + value.substring(0, value.indexOf("://")) + ":// one" + instead);
    }

    private static boolean isRelativeFileUri(String uri) {
        return uri != null && uri.startsWith("file://") && !uri.startsWith("file:///");
    }
}
