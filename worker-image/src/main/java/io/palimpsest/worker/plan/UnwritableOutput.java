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
 * attempt could do better. It looks at the output folder (the nearest folder above it that exists, where it does not
 * yet), and at its {@code _palimpsest/} where the output holds a campaign: every plan writes there (its store check,
 * its index), a whole campaign's rerun too, and each shard left writes its parts and receipt.
 */
public final class UnwritableOutput {

    private UnwritableOutput() {}

    public static void refuse(String outputUri, Storage output) {
        if (!(output instanceof FileStorage files)) {
            return;
        }
        Path internal = files.root().resolve(NestedOutputs.INTERNAL);
        problem(files.root())
                .or(() -> Files.isDirectory(internal) ? problem(internal) : Optional.empty())
                .ifPresent(problem -> {
                    throw new InvalidJobException(
                            ManifestField.job("spec.output.uri"),
                            "spec.output.uri " + outputUri + ": " + problem + ": the plan and every shard write"
                                    + " there; write to another output (spec.output.uri, or --out locally), or let"
                                    + " this user write in that folder");
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
