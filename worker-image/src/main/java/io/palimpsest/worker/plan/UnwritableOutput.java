package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoreRefusedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Logger;
import java.util.stream.Stream;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * An output on a file system that this process cannot write (a folder without write permission for its user, a
 * read-only mount, an immutable folder) fails every shard the same way, so the planner refuses it before its first
 * write, naming the folder, where that write would fail with the file system's bare words and exit 1, as if another
 * attempt could do better. It looks at every folder the plan and the shards write in: the output folder (the nearest
 * folder above it that exists, where it does not yet), its {@code _palimpsest/} (every plan writes there, a whole
 * campaign's rerun too), and the folders a shard writes its parts, receipt, rejects and outputs in ({@code receipts/},
 * {@code checkpoints/} and each shard's folder there, {@code rejects/}, {@code duplicates/}, {@code attempts/}, and one
 * folder per variant), each where it exists: a folder that does not exist yet is made in the one above it, which is
 * looked at in its place. One of them read-only on a volume that lets the rest be written would otherwise let every
 * shard send its documents to the model and fail at its commit. On an object store, where a bucket policy may deny
 * one prefix, the same folders are probed by a write and a delete ({@link #probe}).
 */
public final class UnwritableOutput {

    private static final Logger LOG = Logger.getLogger(UnwritableOutput.class.getName());

    private UnwritableOutput() {}

    /** The folders under {@code _palimpsest/} that a shard, or the plan, writes in. */
    private static final List<String> INTERNAL_FOLDERS =
            List.of("receipts", "checkpoints", "rejects", "duplicates", "attempts");

    /**
     * Folders under {@code _palimpsest/} that hold one folder per shard, which a shard left writes in: its checkpoint
     * parts, as many folders as shards unfinished ({@code attempts/} keeps one for every shard an outage ended, committed
     * since or not, and is looked at itself).
     */
    private static final List<String> PER_SHARD_FOLDERS = List.of("checkpoints");

    /**
     * @param variants the names of the recipe's variants: each writes its outputs in the folder of its name
     */
    public static void refuse(String outputUri, Storage output, List<String> variants) throws IOException {
        if (!(output instanceof FileStorage files)) {
            probe(outputUri, output, variants);
            return;
        }
        written(files.root(), variants).stream()
                .map(UnwritableOutput::problem)
                .flatMap(Optional::stream)
                .findFirst()
                .ifPresent(problem -> {
                    throw new InvalidJobException(
                            ManifestField.job("spec.output.uri"),
                            "spec.output.uri " + outputUri + ": " + problem + ": the plan and every shard write"
                                    + " there; write to another output (spec.output.uri, or --out locally), or let"
                                    + " this user write in that folder");
                });
    }

    /**
     * The start of a write probe's name ({@link #probe}): hidden, as a leftover of a planner killed between its PUT and
     * its DELETE would be too, from every reader of the folder: a job that reads a variant's folder as its input skips
     * names that start with {@code .} or {@code _} (as Spark and Hadoop do), readers of receipts take only
     * {@code .json} names, and a look for a campaign's work skips hidden names.
     */
    public static final String WRITE_PROBE = ".probe-write-";

    /** The folders under {@code _palimpsest/} a shard may write in, each probed on an object store. */
    private static final List<String> PROBED_INTERNAL_FOLDERS =
            List.of("receipts", "checkpoints", "rejects", "attempts");

    /**
     * On an object store, whose permissions a bucket policy may set per prefix: writes and deletes one small probe
     * object (a conditional PUT, as a receipt's, then its DELETE) in each folder a shard writes in, its receipt,
     * checkpoint parts, rejects and outage marker under {@code _palimpsest/} and its outputs in each variant's folder,
     * and refuses the plan naming the folder and the store's answer when a write is refused (a refused delete is
     * warned of: a write-once policy lets the shards write, and leaves only the probe, hidden): a policy that denies
     * one of those prefixes would otherwise be met by every worker at its shard's first write there, after the model
     * rewrote the shard's documents. Two requests a folder, once a plan. {@code _palimpsest/duplicates/} is not probed:
     * the planner writes it itself, before any shard runs.
     */
    private static void probe(String outputUri, Storage output, List<String> variants) throws IOException {
        List<String> folders = new ArrayList<>();
        for (String name : PROBED_INTERNAL_FOLDERS) {
            folders.add(NestedOutputs.INTERNAL + "/" + name + "/");
        }
        for (String variant : variants) {
            folders.add(variant + "/");
        }
        byte[] content = "palimpsest write probe\n".getBytes(StandardCharsets.UTF_8);
        for (String folder : folders) {
            String key = folder + WRITE_PROBE + UUID.randomUUID();
            boolean created;
            try {
                created = output.createIfAbsent(key, content);
            } catch (StoreRefusedException e) {
                throw refused(outputUri, output, folder, e);
            }
            if (!created) {
                continue; // a new name that exists is not this probe's to delete
            }
            try {
                output.delete(key);
            } catch (StoreRefusedException e) {
                // a policy that lets objects be written and never deleted (write once) lets the shards write: only
                // the probe stays, under a name every reader skips
                LOG.warning("spec.output.uri " + outputUri + ": the store let the planner write under "
                        + output.describe(folder) + " but refused to delete its probe " + output.describe(key) + " ("
                        + code(e) + "); the probe is left there, under a name that starts with '.', which readers of"
                        + " the output skip: delete it once allowed");
            }
        }
    }

    private static InvalidJobException refused(
            String outputUri, Storage output, String folder, StoreRefusedException e) {
        return new InvalidJobException(
                ManifestField.job("spec.output.uri"),
                "spec.output.uri " + outputUri + ": the store refuses to write objects under "
                        + output.describe(folder) + " (" + code(e) + "), where every shard " + writes(folder)
                        + ": allow this job's credentials (spec.output.credentialsSecretRef) to write objects"
                        + " under " + output.describe() + " in the bucket's policy, or write to another output. "
                        + e.getMessage());
    }

    /** The store's error code and status, such as {@code AccessDenied, HTTP 403}, or the refusal's class. */
    private static String code(StoreRefusedException e) {
        if (e.getCause() instanceof AwsServiceException answered) {
            String code = answered.awsErrorDetails() == null
                    ? null
                    : answered.awsErrorDetails().errorCode();
            return (code == null || code.isBlank() ? "AccessDenied" : code) + ", HTTP " + answered.statusCode();
        }
        return "refused";
    }

    private static String writes(String folder) {
        String internal = NestedOutputs.INTERNAL + "/";
        return switch (folder) {
            case "_palimpsest/receipts/" -> "writes its receipt as it commits";
            case "_palimpsest/checkpoints/" -> "writes its checkpoint parts";
            case "_palimpsest/rejects/" -> "writes the documents it rejects";
            case "_palimpsest/attempts/" -> "writes a marker when an outage ends its attempt";
            default -> folder.startsWith(internal) ? "writes" : "writes its outputs of that variant";
        };
    }

    /**
     * The folders under {@code root} the plan and the shards write in, the output folder first: those that exist, and
     * the output folder and {@code _palimpsest/} whether they do or not ({@link #problem} looks above a folder that
     * does not exist yet).
     */
    private static List<Path> written(Path root, List<String> variants) {
        Path internal = root.resolve(NestedOutputs.INTERNAL);
        List<Path> folders = new ArrayList<>(List.of(root, internal));
        if (!Files.isDirectory(internal)) {
            // no campaign yet: every other folder is made in the two above
            return folders;
        }
        for (String name : INTERNAL_FOLDERS) {
            folders.add(internal.resolve(name));
        }
        for (String name : PER_SHARD_FOLDERS) {
            Path perShard = internal.resolve(name);
            if (Files.isDirectory(perShard)) {
                try (Stream<Path> shards = Files.list(perShard)) {
                    shards.filter(Files::isDirectory).sorted().forEach(folders::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        for (String variant : variants) {
            folders.add(root.resolve(variant));
        }
        // a folder not made yet is made in its parent, which is in the list already
        folders.removeIf(folder -> !folder.equals(root) && !Files.exists(folder));
        return folders;
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
