package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.text.Plural;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An output on a file system that this process cannot write (a folder without write permission for its user, a
 * read-only mount, an immutable folder) fails every shard the same way, so the planner refuses it before its first
 * write, naming the folder, where that write would fail with the file system's bare words and exit 1, as if another
 * attempt could do better. It looks at the output folder when it holds no campaign yet, else at the nearest folder
 * above it that exists, where the output would be made. An output that holds a campaign with shards left to run (a
 * plan without a receipt for each of its shards, or no plan yet) is looked at too, the folder and its
 * {@code _palimpsest/}, where those shards write their parts and receipts. A whole campaign is left alone: none of
 * its shards writes again.
 */
public final class UnwritableOutput {

    /** The plan's key under the output, as {@link ShardManifest#KEY} names it, below {@code _palimpsest/}. */
    private static final String MANIFEST = ShardManifest.KEY.substring(NestedOutputs.INTERNAL.length() + 1);

    private UnwritableOutput() {}

    public static void refuse(String outputUri, Storage output) throws IOException {
        if (!(output instanceof FileStorage files)) {
            return;
        }
        Path internal = files.root().resolve(NestedOutputs.INTERNAL);
        if (!Files.isDirectory(internal)) {
            problem(files.root()).ifPresent(problem -> refuse(outputUri, problem, ""));
            return;
        }
        Optional<String> left = shardsLeft(internal);
        if (left.isEmpty()) {
            return;
        }
        Optional<String> problem = problem(files.root()).or(() -> problem(internal));
        if (problem.isPresent()) {
            refuse(outputUri, problem.get(), " (it holds a campaign that is not whole: " + left.get() + ")");
        }
    }

    private static void refuse(String outputUri, String problem, String campaign) {
        throw new InvalidJobException(
                ManifestField.job("spec.output.uri"),
                "spec.output.uri " + outputUri + ": " + problem + campaign + ": every shard would fail there; write to"
                        + " another output (spec.output.uri, or --out locally), or let this user write in that"
                        + " folder");
    }

    /**
     * What is left to run of the campaign under {@code internal} ({@code _palimpsest/}): {@code "no plan yet"}, or
     * how many of the plan's shards have a receipt; empty when each has one (a receipt is the commit of its shard).
     */
    private static Optional<String> shardsLeft(Path internal) throws IOException {
        Path manifest = internal.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return Optional.of("no plan yet");
        }
        long shards;
        try (var lines = Files.lines(manifest, StandardCharsets.UTF_8)) {
            shards = lines.filter(l -> !l.isBlank()).count();
        }
        long committed = 0;
        for (int shard = 0; shard < shards; shard++) {
            // the receipt's key as the run writes it (ShardLayout.receiptKey)
            if (Files.isRegularFile(internal.resolve(String.format("receipts/shard-%05d.json", shard)))) {
                committed++;
            }
        }
        return committed == shards
                ? Optional.empty()
                : Optional.of(committed + " of " + Plural.of(shards, "shard") + " committed");
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
