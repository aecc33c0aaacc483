package io.palimpsest.worker.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kubernetes copies this file into the pod status when the container ends (at most 4 KiB), which is
 * how the operator learns a shard count or a shard summary without reading storage or logs.
 * Outside a pod the default path does not exist and nothing is written.
 */
final class TerminationLog {

    static final String DEFAULT = "/dev/termination-log";

    /** What Kubernetes keeps of the file. */
    static final int MAX_BYTES = 4096;

    private TerminationLog() {}

    /** Whether {@code text} is kept whole. */
    static boolean fits(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES;
    }

    static void write(String path, String json) {
        if (path == null || path.isBlank()) {
            return;
        }
        Path file = Path.of(path);
        boolean usable = Files.exists(file)
                ? Files.isWritable(file)
                : !DEFAULT.equals(path)
                        && file.toAbsolutePath().getParent() != null
                        && Files.isWritable(file.toAbsolutePath().getParent());
        if (!usable) {
            return;
        }
        try {
            Files.writeString(file, json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("could not write the termination message to " + path + ": " + e.getMessage());
        }
    }
}
