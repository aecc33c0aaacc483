package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageUri;
import io.palimpsest.worker.storage.StoreRefusedException;
import io.palimpsest.worker.storage.StoredObject;
import io.palimpsest.worker.text.Plural;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Another campaign's output is read only whole. An input that is another campaign's output, inside it or
 * around it, while that campaign's shards are not all committed (fewer receipts under {@code
 * _palimpsest/receipts/} than shards in its {@code _palimpsest/manifest.jsonl}) would give only the shards
 * committed so far, and this job would Succeed with a fraction of it: two chained stages started at once,
 * or a stage started after the one before it failed. The planner refuses it, naming that output and how
 * many of its shards are committed, as the operator holds a job whose input is an unfinished RewriteJob's
 * output ({@code InputInProgress}). Below and at the input the listing the planner makes anyway is read;
 * above it, one look per folder (one HEAD on S3; credentials that may not read above their prefix leave it
 * unchecked, with a warning).
 */
public final class UnfinishedInputs {
    private static final String RECEIPTS = "_palimpsest/receipts/";

    private UnfinishedInputs() {}

    /**
     * @param inputUri the input as the job names it
     * @param listed   the objects the input's listing gave (every key under a folder input; the file of a one-file
     *                 input)
     * @param opener   opens a storage at a URI with the input's settings
     */
    public static void refuse(String inputUri, InputRoot input, List<StoredObject> listed, NestedOutputs.Opener opener)
            throws IOException {
        Storage storage = input.storage();
        List<String> listedKeys = listed.stream().map(StoredObject::key).toList();
        for (String key : listedKeys) {
            if (!key.equals(ShardManifest.KEY) && !key.endsWith("/" + ShardManifest.KEY)) {
                continue;
            }
            String prefix = key.substring(0, key.length() - ShardManifest.KEY.length());
            long receipts = listedKeys.stream()
                    .filter(k -> k.startsWith(prefix + RECEIPTS) && k.endsWith(".json"))
                    .count();
            check(inputUri, storage, prefix, receipts);
        }
        if (storage instanceof FileStorage files) {
            List<Path> folders = new ArrayList<>();
            for (Path p = files.root().getParent(); p != null; p = p.getParent()) {
                folders.add(0, p);
            }
            if (input.singleKey().isPresent()) {
                folders.add(files.root());
            }
            for (Path folder : folders) {
                if (Files.isRegularFile(folder.resolve(ShardManifest.KEY))) {
                    FileStorage above = new FileStorage(folder);
                    check(inputUri, above, "", receipts(above, ""));
                }
            }
            return;
        }
        StorageUri parsed = StorageUri.parse(inputUri);
        if (parsed.scheme() != StorageUri.Scheme.S3) {
            return;
        }
        List<String> segments = Arrays.stream(parsed.path().split("/"))
                .filter(s -> !s.isEmpty() && !s.equals("."))
                .toList();
        // the folders above the input (a one-file input's path ends in the file: its own folder is among them)
        int depths = segments.size();
        if (depths == 0) {
            return;
        }
        List<String> refused = new ArrayList<>();
        try (Storage bucket = opener.open("s3://" + parsed.authority())) {
            for (int depth = 0; depth < depths; depth++) {
                String folder = String.join("/", segments.subList(0, depth));
                String prefix = folder.isEmpty() ? "" : folder + "/";
                try {
                    if (bucket.exists(prefix + ShardManifest.KEY)) {
                        check(inputUri, bucket, prefix, receipts(bucket, prefix));
                    }
                } catch (StoreRefusedException e) {
                    refused.add(bucket.describe(prefix + ShardManifest.KEY));
                }
            }
        }
        if (!refused.isEmpty()) {
            System.err.println("warning: the input's credentials may not read " + String.join(", ", refused)
                    + ", so whether " + inputUri + " is inside another campaign's unfinished output there was not"
                    + " checked");
        }
    }

    private static long receipts(Storage storage, String prefix) throws IOException {
        return storage.list(prefix + RECEIPTS).stream()
                .filter(o -> o.key().endsWith(".json"))
                .count();
    }

    /** Refuses the campaign at {@code prefix} of {@code storage} when fewer of its shards are committed than planned. */
    private static void check(String inputUri, Storage storage, String prefix, long receipts) throws IOException {
        String manifestKey = prefix + ShardManifest.KEY;
        long shards = new String(storage.readAll(manifestKey), StandardCharsets.UTF_8)
                .lines()
                .filter(l -> !l.isBlank())
                .count();
        if (receipts >= shards) {
            return;
        }
        String output = storage.describe(prefix);
        throw new InvalidJobException("spec.input.uri " + inputUri + " holds the output " + output
                + " of a campaign that is not whole: " + receipts + " of " + Plural.of(shards, "shard")
                + " committed (receipts under " + storage.describe(prefix + RECEIPTS) + " against the plan "
                + storage.describe(manifestKey) + "); read now, it would give only the shards committed so far:"
                + " plan this job once that campaign has finished every shard (run it again into the same output:"
                + " it skips the shards already committed), or copy what it committed (without its _palimpsest/"
                + " folder) elsewhere and point spec.input.uri there");
    }
}
