package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.run.ReceiptTally;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code palimpsest tally}: the job's totals summed from its receipts, for the operator's status. */
@Command(
        name = "tally",
        mixinStandardHelpOptions = true,
        description = {
            "Print a job's totals as JSON: palimpsest tally -f <manifests or job.yaml> [--out <output>]. The output is"
                    + " the job's spec.output.uri, or --out where local --out wrote it (as for retry-rejects; tally"
                    + " takes no positional argument: it needs the job's recipe as well as its output).",
            "Sums the shard receipts under <output>/_palimpsest/receipts/ made with the job's recipe and combines the"
                    + " committed retry rounds under <output>/retries/ (a document counts where it was last run)."
                    + " Receipts of another recipe (shards committed before a recipe change that local or plan"
                    + " --accept-recipe-change accepted) are not summed: foreignReceipts counts them."
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
            Tally tally = new ReceiptTally(json).sum(runtime.output(), runtime.job.getRecipeHash());
            String line = json.writeValueAsString(tally);
            System.out.println(line);
            pod.report(line);
            return 0;
        }
    }
}
