package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.Quantity;
import io.palimpsest.api.worker.FleetDefaults;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.PlannerScratch;
import io.palimpsest.api.worker.PlannerThreads;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Operator-wide choices for RewriteJobs ({@code palimpsest.jobs.*}); the worker image is in PalimpsestConfig. */
@ConfigMapping(prefix = "palimpsest.jobs")
public interface JobSettings {

    /** In-flight requests per batch slot of a model replica (see {@link FleetDefaults#HEADROOM}). */
    @WithDefault("" + FleetDefaults.HEADROOM)
    double headroom();

    /** What an 'auto' worker is assumed to keep in flight when sizing parallelism from capacity. */
    @WithDefault("" + FleetDefaults.CONCURRENCY_PER_AUTO_WORKER)
    int defaultConcurrencyPerWorker();

    /** The model's batch size when its spec does not say (vLLM's default max-num-seqs). */
    @WithDefault("" + JobResolver.DEFAULT_MAX_NUM_SEQS)
    int defaultMaxNumSeqs();

    /** Upper bound on worker pods per job under 'auto' parallelism. */
    @WithDefault("" + FleetDefaults.MAX_PARALLELISM)
    int maxParallelism();

    /**
     * Extra attempts per shard for exit 75 (model unreachable). Kubernetes has one failure counter
     * per index, so these are added to backoffLimitPerIndex; see WorkerJob for the reasoning.
     */
    @WithDefault("4")
    int modelUnreachableRetries();

    /** How long after the worker Job finished the operator waits for the last pod summaries before it tallies the receipts. */
    @WithDefault("30s")
    Duration tallyGrace();

    /**
     * How long after a planner or tally Job succeeded its result (its pod's termination message) is waited for when
     * no pod of it has shown its end in the operator's cache: the Job and its pods come through two watches, so the
     * Job's end can arrive first. After it the result is taken as gone (the pod was garbage-collected) and the
     * helper runs again.
     */
    @WithDefault("30s")
    Duration helperResultGrace();

    /**
     * How often a job whose calls the operator's role refuses (403, reason {@code Forbidden}) is looked at again:
     * fixing a Role or upgrading the release sends the operator no event. Named in the job's message.
     */
    @WithDefault("15s")
    Duration forbiddenRecheck();

    /** Retries of the planner and tally Jobs (cheap, idempotent listings). */
    @WithDefault("3")
    int helperBackoffLimit();

    /** Documents between checkpoints inside a shard (passed to the workers in job.yaml). */
    @WithDefault("" + JobResolver.DEFAULT_CHECKPOINT_EVERY)
    int checkpointEvery();

    /**
     * Size limit of the planner pod's {@code /tmp} emptyDir, where the duplicate-id pass spills the input's ids
     * sorted (about the id's length + 24 bytes per document, twice while merging); the planner stops at nine
     * tenths of it with a message naming this setting (exit 78) rather than being evicted on every retry.
     */
    @WithDefault(PlannerScratch.DEFAULT_SIZE)
    @WithConverter(QuantityConverter.class)
    Quantity plannerScratchSize();

    /**
     * Input shards the planner's duplicate-id pass reads at once ({@link PlannerThreads#ENV} in the planner pod); the
     * index is the same whatever the number. The planner pod requests no CPU, so its threads use what the node has
     * spare. At least 1, checked when the operator starts.
     */
    @WithDefault("" + PlannerThreads.DEFAULT)
    @WithConverter(PlannerThreadsConverter.class)
    int plannerThreads();

    /** UID of worker, planner and tally containers. */
    @WithDefault("1000")
    long runAsUser();

    /** ServiceAccount of planner, worker and tally pods whose job names none; empty: the namespace's default. */
    Optional<String> serviceAccountName();

    /** Image pull secrets of planner, worker and tally pods whose job names none. */
    Optional<List<String>> imagePullSecrets();
}
