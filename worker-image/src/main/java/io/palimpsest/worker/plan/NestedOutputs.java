package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageUri;
import io.palimpsest.worker.storage.StoreRefusedException;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One output is never planned inside another: its shards and its own {@code _palimpsest/} would sit
 * among the other output's files, so a reader of the outer output (a training loader, a job that
 * reads it as input) would take the inner one's documents as the outer one's. The planner refuses
 * an output with a plan ({@code _palimpsest/manifest.jsonl}) in a folder above it, or any {@code
 * _palimpsest/} folder below it, naming that output. Above, it looks once per folder (one HEAD on
 * S3); below, it lists the output. A retry round ({@code retry-rejects}) is an output of its own at
 * {@code <output>/retries/round-NNN/}: part of its campaign's output, it is neither refused below its
 * campaign nor refuses the campaign.
 */
public final class NestedOutputs {
    private static final ManifestField OUTPUT_URI = ManifestField.job("spec.output.uri");

    static final String INTERNAL = "_palimpsest";
    /** Where a retry round lies under its campaign's output ({@code RetryRounds.prefix}). */
    private static final Pattern ROUND = Pattern.compile("retries/round-[0-9]+");

    /** Opens a storage at a URI with the output's settings (credentials, endpoint). */
    @FunctionalInterface
    public interface Opener {
        Storage open(String uri) throws IOException;
    }

    private NestedOutputs() {}

    /** Refuses the output when it is inside another output or holds one. */
    public static void refuse(String outputUri, Storage output, Opener opener) throws IOException {
        for (StoredObject object : output.list("")) {
            String key = object.key();
            int at = key.indexOf("/" + INTERNAL + "/");
            if (at >= 0
                    && !key.startsWith(INTERNAL + "/")
                    && !ROUND.matcher(key.substring(0, at)).matches()) {
                String other = output.describe(key.substring(0, at));
                throw new InvalidJobException(
                        OUTPUT_URI,
                        "spec.output.uri " + outputUri + " holds another output: " + other
                                + " has its own " + INTERNAL + "/ (" + output.describe(key) + "); " + MIXED
                                + ": write to an output apart from " + other + ", or move that output away");
            }
        }
        for (String above : plansAbove(outputUri, output, opener)) {
            throw new InvalidJobException(
                    OUTPUT_URI,
                    "spec.output.uri " + outputUri + " is inside another output: " + above
                            + " holds a plan (" + above + (above.endsWith("/") ? "" : "/") + ShardManifest.KEY + "); "
                            + MIXED
                            + ": write to an output apart from " + above);
        }
    }

    private static final String MIXED = "one output inside another mixes their files (a reader of the outer output"
            + " would take the inner one's documents and " + INTERNAL + "/ as its own)";

    /** The folders above the output that hold a plan, nearest to the root first. */
    private static List<String> plansAbove(String outputUri, Storage output, Opener opener) throws IOException {
        List<String> found = new ArrayList<>();
        if (output instanceof FileStorage files) {
            List<Path> folders = new ArrayList<>();
            for (Path p = files.root().getParent(); p != null; p = p.getParent()) {
                folders.add(0, p);
            }
            for (Path folder : folders) {
                String below = folder.relativize(files.root()).toString().replace('\\', '/');
                if (!ROUND.matcher(below).matches() && Files.exists(folder.resolve(ShardManifest.KEY))) {
                    found.add(folder.toString());
                }
            }
            return found;
        }
        StorageUri parsed = StorageUri.parse(outputUri);
        List<String> segments = Arrays.stream(parsed.path().split("/"))
                .filter(s -> !s.isEmpty() && !s.equals("."))
                .toList();
        if (segments.isEmpty()) {
            return found;
        }
        List<String> refused = new ArrayList<>();
        try (Storage bucket = opener.open("s3://" + parsed.authority())) {
            for (int depth = 0; depth < segments.size(); depth++) {
                String folder = String.join("/", segments.subList(0, depth));
                String key = (folder.isEmpty() ? "" : folder + "/") + ShardManifest.KEY;
                if (ROUND.matcher(String.join("/", segments.subList(depth, segments.size())))
                        .matches()) {
                    continue; // the campaign of this retry round
                }
                try {
                    if (bucket.exists(key)) {
                        found.add(bucket.describe(folder.isEmpty() ? "" : folder + "/"));
                    }
                } catch (StoreRefusedException e) {
                    refused.add(bucket.describe(key));
                }
            }
        }
        if (!refused.isEmpty()) {
            // credentials for the output's prefix alone may not read above it: say what was not looked at
            System.err.println("warning: the output's credentials may not read " + String.join(", ", refused)
                    + ", so whether " + outputUri + " is inside another output there was not checked");
        }
        return found;
    }
}
