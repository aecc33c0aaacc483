package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import java.nio.file.Files;
import java.nio.file.Path;

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
        if (!(output instanceof FileStorage files)) {
            return;
        }
        Path root = files.root();
        if (Files.isDirectory(root.resolve(NestedOutputs.INTERNAL))) {
            return;
        }
        Path existing = root;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || Files.isWritable(existing)) {
            return; // a file where the folder should be is refused by its own words, when the output is opened
        }
        throw new InvalidJobException(
                ManifestField.job("spec.output.uri"),
                "spec.output.uri " + outputUri + ": " + existing
                        + (existing.equals(root) ? "" : " (above " + root + ")")
                        + " cannot be written by this process (user " + System.getProperty("user.name")
                        + "): every shard would fail there; write to another output (spec.output.uri, or --out"
                        + " locally), or let this user write in that folder");
    }
}
