package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.run.EarlierRecipes;
import io.palimpsest.worker.run.ReceiptTally;
import io.palimpsest.worker.storage.ManyReads;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code palimpsest tally}: the output's totals summed from its receipts, for the operator's status; the
 * same totals {@code local}'s summary states ({@link ReceiptTally}).
 */
@Command(
        name = "tally",
        mixinStandardHelpOptions = true,
        description = {
            "Print a job's totals as JSON: palimpsest tally -f <manifests or job.yaml> [--out <output>]. The output is"
                    + " the job's spec.output.uri, or --out where local --out wrote it (as for retry-rejects; tally"
                    + " takes no positional argument: it needs the job's recipe as well as its output).",
            "Sums every shard receipt under <output>/_palimpsest/receipts/ and combines the committed retry rounds"
                    + " under <output>/retries/ (a document counts where it was last run): the output's totals, as"
                    + " local's summary states them. rejectedByReason and skippedByReason say why documents were not"
                    + " written, and when some were rejected or skipped lines on stderr say why, as local's summary"
                    + " does (\"rejected   model_error 3, truncation 2\", \"skipped    filter:regex 9, too_short 6\"):"
                    + " each sums to its figure in the totals, a document a retry round ran again counted as the round"
                    + " ended it (written, rejected or skipped).",
            "Shards committed under an earlier recipe (before a recipe change that local or plan"
                    + " --accept-recipe-change accepted), the run's and retry rounds', are in the output, so they are"
                    + " in the totals too; earlierRecipes says how much of them each earlier recipe made, counted as"
                    + " the totals count (a document where it was last run), and a line on stderr says it as local"
                    + " does (\"of which read 6, written 6, rejected 0, skipped 0 in 1 shard under the earlier recipe"
                    + " sha256:...\").",
            "receiptShards names the shards that have a receipt (\"0-41,43-99\"), so a shard whose worker was killed"
                    + " after its commit counts as committed; it is left out when it would be longer than 2048"
                    + " characters."
        })
final class TallyCommand implements Callable<Integer> {

    @Mixin
    PodJobOptions pod;

    @Option(
            names = "--out",
            description = "The run's output, when it was not spec.output.uri (a path, or a URI such as"
                    + " s3://bucket/prefix/), as local --out wrote it.")
    String out;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (JobRuntime runtime = new JobRuntime(pod.load(out).job(), pod.environment(), json)) {
            // an output with no plan is no campaign's: its totals are not zero, they are not there
            if (!runtime.output().exists(ShardManifest.KEY)) {
                throw new InvalidJobException("no plan at " + runtime.output().describe() + " ("
                        + ShardManifest.KEY + "): nothing was planned or run there, so there is nothing to tally;"
                        + " if the job was run with local --out, pass the same --out");
            }
            Tally tally =
                    new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(runtime.output(), runtime.job.getRecipeHash());
            String line = json.writeValueAsString(tally);
            System.out.println(line);
            List<String> earlier = EarlierRecipes.lines(tally);
            Optional<String> rejected = LocalSummary.reasonsLine(tally.getRejectedByReason());
            Optional<String> skipped = LocalSummary.reasonsLine(tally.getSkippedByReason());
            if (!earlier.isEmpty() || rejected.isPresent() || skipped.isPresent()) {
                // the mix and why documents were not written, in local's words, for whoever reads the totals by
                // hand; stdout stays the JSON
                System.err.println("documents  "
                        + LocalSummary.documents(
                                tally.getRead(), tally.getWritten(), tally.getRejected(), tally.getSkipped()));
                earlier.forEach(l -> System.err.println("           " + l));
                rejected.ifPresent(l -> System.err.println("rejected   " + l));
                skipped.ifPresent(l -> System.err.println("skipped    " + l));
            }
            pod.report(fitted(tally, line, json));
            return 0;
        }
    }

    /**
     * The termination message holds 4 KiB and the operator reads the totals from it: past that, the
     * earlier recipes' part goes (stdout keeps it), then the shards with a receipt (the operator then takes no
     * failed index for committed). Their names by variant and reason are bounded already.
     */
    static String fitted(Tally tally, String text, ObjectMapper json) throws IOException {
        if (TerminationLog.fits(text)) {
            return text;
        }
        tally.setEarlierRecipes(null);
        String withoutEarlier = json.writeValueAsString(tally);
        if (TerminationLog.fits(withoutEarlier)) {
            return withoutEarlier;
        }
        tally.setReceiptShards(null);
        return json.writeValueAsString(tally);
    }
}
