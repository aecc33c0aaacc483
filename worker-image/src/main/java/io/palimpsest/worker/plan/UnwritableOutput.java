package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An output on a file system that this process cannot write (a folder without write permission for its user, a
 * read-only mount, an immutable folder) fails every shard the same way, so the planner refuses it before its first
 * write, naming the folder, where that write would fail with the file system's bare words and exit 1, as if another
 * attempt could do better. It looks at the output folder when it holds no campaign yet, else at the nearest folder
 * above it that exists, where the output would be made. An output that holds a campaign is left to its writes: its
 * files were written once, and a rerun of a whole campaign writes nothing.
 */
public final class UnwritableOutput {

    private UnwritableOutput() {}

    public static void refuse(String outputUri, Storage output) {
        if (!(output instanceof FileStorage files)
                || Files.isDirectory(files.root().resolve(NestedOutputs.INTERNAL))) {
            return;
        }
        problem(files.root()).ifPresent(problem -> {
            throw new InvalidJobException(
                    ManifestField.job("spec.output.uri"),
                    "spec.output.uri " + outputUri + ": " + problem + ": every shard would fail there; write to"
                            + " another output (spec.output.uri, or --out locally), or let this user write in that"
                            + " folder");
        });
    }

    /**
     * Why {@code folder} cannot be made or written by this process, in words that name the path in the way: the
     * folder itself or the nearest one above it that exists when it does not; empty when it can.
     */
    public static Optional<String> problem(Path folder) {
        Path root = folder.toAbsolutePath().normalize();
        Path existing = root;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Optional.empty();
        }
        String where = existing + (existing.equals(root) ? "" : " (above " + root + ")");
        if (!Files.isDirectory(existing)) {
            return Optional.of(where + " is a file, and a folder is needed there");
        }
        if (!Files.isWritable(existing)) {
            return Optional.of(
                    where + " cannot be written by this process (user " + System.getProperty("user.name") + ")");
        }
        return Optional.empty();
    }
}
