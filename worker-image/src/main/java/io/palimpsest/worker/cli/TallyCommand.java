package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.run.ReceiptTally;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code palimpsest tally}: the job's totals summed from its receipts, for the operator's status. */
@Command(
        name = "tally",
        mixinStandardHelpOptions = true,
        description =
                "Sum every shard receipt under <output>/_palimpsest/receipts/, combine the committed retry rounds under"
                        + " <output>/retries/ (a document counts where it was last run), and print the totals as JSON.")
final class TallyCommand implements Callable<Integer> {

    @Mixin
    PodJobOptions pod;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (JobRuntime runtime = new JobRuntime(pod.load().job(), pod.environment(), json)) {
            Tally tally = new ReceiptTally(json).sum(runtime.output(), runtime.job.getRecipeHash());
            String line = json.writeValueAsString(tally);
            System.out.println(line);
            pod.report(line);
            return 0;
        }
    }
}
