package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.config.JobManifests;
import io.palimpsest.worker.run.ReceiptTally;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code palimpsest tally}: the job's totals summed from its receipts, for the operator's status. */
@Command(name = "tally", mixinStandardHelpOptions = true,
        description = "Sum every shard receipt under <output>/_palimpsest/receipts/ and print the totals as JSON.")
final class TallyCommand implements Callable<Integer> {

    @Option(names = {"--job", "-f"}, defaultValue = "/etc/palimpsest/job.yaml",
            description = "The resolved job (job.yaml from the ConfigMap), or RewriteJob manifests (file or folder). Default: ${DEFAULT-VALUE}")
    Path jobPath;

    @Option(names = "--termination-log", defaultValue = TerminationLog.DEFAULT,
            description = "Where to write the JSON totals for the operator. Default: ${DEFAULT-VALUE} (when writable)")
    String terminationLog;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var loaded = new JobManifests().load(jobPath);
        try (JobRuntime runtime = new JobRuntime(loaded.job(), WorkerEnvironment.system(), json)) {
            Tally tally = new ReceiptTally(json).sum(runtime.output(), runtime.job.getRecipeHash());
            String line = json.writeValueAsString(tally);
            System.out.println(line);
            TerminationLog.write(terminationLog, line);
            return 0;
        }
    }
}
