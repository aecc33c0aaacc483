package io.palimpsest.worker.cli;

import java.nio.file.Path;

import io.palimpsest.api.worker.ResolvedJob;

/**
 * Relative {@code file://} URIs in a manifest, for local runs: the input is read relative to the
 * manifest's folder (the sample data sits beside it), the output is written relative to the current
 * directory (or to {@code --out}).
 */
final class LocalPaths {

    private LocalPaths() {
    }

    static void resolve(ResolvedJob job, Path manifestFile, Path outOverride) {
        Path manifestDir = manifestFile.toAbsolutePath().getParent();
        var input = job.getSpec().getInput();
        if (isRelativeFileUri(input.getUri())) {
            input.setUri(manifestDir.resolve(input.getUri().substring("file://".length())).normalize().toUri().toString());
        }
        var output = job.getSpec().getOutput();
        if (outOverride != null) {
            output.setUri(outOverride.toAbsolutePath().normalize().toUri().toString());
        } else if (isRelativeFileUri(output.getUri())) {
            output.setUri(Path.of(output.getUri().substring("file://".length())).toAbsolutePath().normalize().toUri().toString());
        }
    }

    private static boolean isRelativeFileUri(String uri) {
        return uri != null && uri.startsWith("file://") && !uri.startsWith("file:///");
    }
}
