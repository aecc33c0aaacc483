package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An output is written only where nothing but a Palimpsest campaign lies: the job's shard files
 * ({@code <variant>/shard-NNNNN...}) would sit among anything else there (someone's data, another
 * tool's output, the corpus itself under a mistyped {@code spec.output.uri}) and replace files of the
 * same names. The planner ({@code plan}, {@code local}, the cluster's planner Job) refuses, before it
 * writes anything, a location that holds files and no {@code _palimpsest/} folder, naming a few of
 * them.
 *
 * <p>What passes: an empty or absent location; one holding a {@code _palimpsest/} folder with a file
 * in it (a campaign: its recipe, job and resume are checked as before, {@link RecipeMarker}); names
 * starting with {@code .} ({@code .DS_Store}, {@code .gitkeep}, a killed writer's {@code .tmp-} file),
 * which no data set reader takes and no shard file replaces. Other names starting with {@code _}
 * ({@code _SUCCESS}, {@code _delta_log/}) are another tool's bookkeeping and count. A first run
 * killed at any point resumes: the planner's first write (the store probe, then the manifest) is
 * under {@code _palimpsest/}, and every other file of the campaign comes after the manifest, which is
 * never deleted.
 *
 * <p>It looks at the first names only (on S3 one LIST of the location's top level, {@link
 * Storage#firstNames}), never the whole prefix.
 */
public final class ForeignOutput {
    /** How many of the names found the message gives. */
    static final int NAMED = 3;

    private ForeignOutput() {}

    /** Refuses an output that holds files but no Palimpsest campaign. */
    public static void refuse(String outputUri, Storage output) throws IOException {
        if (!output.firstNames(NestedOutputs.INTERNAL + "/", 1, name -> true).isEmpty()) {
            return; // a campaign: the recipe marker and the plan decide
        }
        List<String> found = new ArrayList<>(output.firstNames("", NAMED + 1, ForeignOutput::counted));
        if (found.stream().allMatch(name -> name.endsWith("/"))) {
            // folders only: one a killed first plan left its write probe in is the campaign's own (a file is not)
            List<String> folders = List.copyOf(found);
            found.clear();
            for (String folder : folders) {
                if (!onlyWriteProbes(output, folder)) {
                    found.add(folder);
                }
            }
        }
        if (found.isEmpty()) {
            return;
        }
        String names = String.join(", ", found.subList(0, Math.min(NAMED, found.size())))
                + (found.size() > NAMED ? ", ..." : "");
        // short: a pod's termination message is cut at 256 characters in the job's status
        throw new InvalidJobException("output " + outputUri + " holds files and no Palimpsest campaign (no "
                + NestedOutputs.INTERNAL + "/ folder): " + names + "; shards written there would mix with them:"
                + " write to an empty location, or remove those files");
    }

    /**
     * A folder that holds nothing but the write probes a planner killed between a probe's write and its delete left
     * ({@link UnwritableOutput}: a variant's folder is probed before the plan is written): the campaign's own, not
     * someone's. One more LIST for each folder, made only when a refusal would name folders alone.
     */
    private static boolean onlyWriteProbes(Storage output, String folder) throws IOException {
        return output.firstNames(folder, 1, inside -> !inside.startsWith(UnwritableOutput.WRITE_PROBE))
                .isEmpty();
    }

    /** A name that is someone's: not hidden, not the campaign's own folder (empty: nothing of it counted). */
    private static boolean counted(String name) {
        return !name.startsWith(".") && !name.equals(NestedOutputs.INTERNAL + "/");
    }
}
