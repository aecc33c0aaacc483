package io.palimpsest.worker.cli;

import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.PlanSummary;
import io.palimpsest.worker.plan.JobPlanner;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.ShardPlanner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code palimpsest plan}: list the input, cut shards, store the manifest, report the shard count. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "List the input, cut it into shards and write <output>/_palimpsest/manifest.jsonl; prints the shard count.")
final class PlanCommand implements Callable<Integer> {

    @Mixin
    PodJobOptions pod;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var loaded = pod.load();
        try (JobRuntime runtime = new JobRuntime(loaded.job(), pod.environment(), json)) {
            PlanSummary summary = plan(runtime, json);
            String line = json.writeValueAsString(summary);
            System.out.println(summary.getShards());
            pod.report(line);
            return 0;
        }
    }

    static PlanSummary plan(JobRuntime runtime, ObjectMapper json) throws java.io.IOException {
        JobPlanner planner = new JobPlanner(new ShardPlanner(runtime.shardingPolicy()), new ShardManifest(json));
        Long limit = runtime.spec.getInput().getLimit();
        var readers = runtime.readers();
        var inputStorage = runtime.input().storage();
        JobPlanner.Result result = planner.plan(runtime.input(), runtime.keyFilter(), runtime.output(), limit, (key, atMost) -> {
            long items = 0;
            try (var reader = readers.open(inputStorage, key)) {
                while (items < atMost && reader.next() != null) {
                    items++;
                }
            }
            return items;
        });
        if (result.existingDiffers()) {
            System.err.println("note: " + runtime.output().describe() + "/" + ShardManifest.KEY
                    + " already exists and differs from the current listing; keeping it so committed shards keep their numbers");
        }
        PlanSummary summary = new PlanSummary();
        summary.setShards(result.shardCount());
        summary.setFiles((long) result.shards().stream().mapToInt(s -> s.files().size()).sum());
        summary.setBytes(result.shards().stream().mapToLong(Shard::bytes).sum());
        summary.setManifest(runtime.output().describe() + "/" + ShardManifest.KEY);
        return summary;
    }
}
