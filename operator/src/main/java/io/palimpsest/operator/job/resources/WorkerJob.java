package io.palimpsest.operator.job.resources;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.job.observe.AttemptCharges;
import io.palimpsest.operator.model.ModelNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker Indexed Job: one completion index per shard, {@code palimpsest run} in each pod.
 *
 * <p>Failure handling is the Job controller's, per index:
 * <ul>
 *   <li>a pod with a DisruptionTarget condition (preemption, eviction, node drain) is ignored:
 *       not counted, replaced; the shard resumes from its last checkpoint;</li>
 *   <li>exit 42 (the shard's data is bad) fails the index at once: retrying cannot help;</li>
 *   <li>exit 43 (the worker refused to start: the shard's attempts are spent as the operator counts
 *       them, see {@link AttemptCharges}) fails the index at once too;</li>
 *   <li>exit 78 (the model refused the job's requests in a way that is the same for every
 *       document: credentials, model name) fails the whole Job at once, before every shard spends
 *       its retries; the pod's termination message says why;</li>
 *   <li>exit 75 (model unreachable) and anything else count against
 *       {@code backoffLimitPerIndex}.</li>
 * </ul>
 * Exit-75 budget: Kubernetes keeps one failure counter per index, so exit 75 cannot have a counter
 * of its own. We give it its share inside the one counter:
 * {@code backoffLimitPerIndex = (attemptsPerShard - 1) + modelUnreachableRetries}. A crash (exit 1,
 * OOM) would then be retried up to that many times too; the attempt ledger ({@link AttemptCharges})
 * stops it at {@code attemptsPerShard}, and keeps counting where the Job controller's count
 * restarts (a suspend, a scale-in). The alternative
 * (an Ignore rule for 75) retries forever while a model is down. Two things keep the shared
 * budget from being burnt by an outage: the worker waits out outages of the model and of the
 * object store itself (its {@code --max-outage}, 10 minutes) before exiting 75, and auto parallelism
 * drops to 0 while the model
 * has no ready replica. {@code maxFailedIndexes} = {@code retry.maxFailedShards}, kept inside the
 * API server's limits by {@link WorkerJobLimits};
 * {@code podReplacementPolicy: Failed} so a terminating pod is never doubled by its replacement.
 */
public final class WorkerJob {
    private WorkerJob() {}

    /**
     * @param suspend whether the Job is created suspended (spec.suspend, or Kueue's admission)
     */
    public static Job desired(
            RewriteJob job,
            long shards,
            int parallelism,
            boolean suspend,
            String image,
            SecretKeyRef modelApiKey,
            JobSettings settings) {
        RewriteJobSpec spec = job.getSpec();
        RewriteJobSpec.Retry retry = spec.getRetry();
        int attempts = attemptsPerShard(job);
        Integer maxFailed = retry == null ? null : retry.getMaxFailedShards();

        Map<String, String> jobLabels = new LinkedHashMap<>(RewriteJobNames.labels(job, RewriteJobNames.ROLE_WORK));
        if (spec.getQueueName() != null) {
            jobLabels.put(RewriteJobNames.KUEUE_QUEUE_LABEL, spec.getQueueName());
        }
        // The model's scaler counts these pods as demand (ModelNames.COMPONENT_WORKER).
        // A job whose recipe calls no model is no model's demand.
        Map<String, String> podLabels = spec.getModelRef() == null
                ? Map.of(ModelNames.COMPONENT_LABEL, ModelNames.COMPONENT_WORKER)
                : Map.of(
                        ModelNames.MODEL_LABEL,
                        spec.getModelRef().getName(),
                        ModelNames.COMPONENT_LABEL,
                        ModelNames.COMPONENT_WORKER);

        return new JobBuilder()
                .withNewMetadata()
                .withName(RewriteJobNames.workerJob(job))
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(jobLabels)
                .withAnnotations(Map.of(
                        ATTEMPTS_ANNOTATION,
                        Integer.toString(attempts),
                        MadeFrom.ANNOTATION,
                        MadeFrom.annotation(MadeFrom.workerJob(job))))
                .endMetadata()
                .withNewSpec()
                .withCompletionMode("Indexed")
                .withCompletions(Math.toIntExact(shards))
                .withParallelism(Math.min(parallelism, WorkerJobLimits.maxParallelism(shards)))
                .withSuspend(suspend)
                .withBackoffLimitPerIndex(attempts - 1 + settings.modelUnreachableRetries())
                .withMaxFailedIndexes(WorkerJobLimits.plan(shards, maxFailed).maxFailedIndexes())
                .withPodReplacementPolicy("Failed")
                .withNewPodFailurePolicy()
                .withRules(rules())
                .endPodFailurePolicy()
                .withTemplate(WorkerPodTemplate.withMetricsPort(WorkerPodTemplate.build(
                        job,
                        RewriteJobNames.ROLE_WORK,
                        image,
                        modelApiKey,
                        podLabels,
                        settings,
                        List.of("run", "--job", WorkerPodTemplate.JOB_FILE))))
                .endSpec()
                .build();
    }

    /**
     * The {@code retry.attemptsPerShard} the worker Job was made with: its {@code backoffLimitPerIndex}
     * is fixed by it, so it stays the job's cap (the attempt ledger's, and the workers' last-attempt
     * rule in job.yaml) whatever the spec says later.
     */
    public static final String ATTEMPTS_ANNOTATION = "palimpsest.io/attempts-per-shard";

    /**
     * The attempts per shard in force: what the worker Job was made with ({@value #ATTEMPTS_ANNOTATION},
     * or, on a Job made before the annotation, read back from its {@code backoffLimitPerIndex}); the
     * spec's before the worker Job exists. A later edit would otherwise close shards at once (lowered:
     * the ledger counts against the new cap and stops their running pods) or promise attempts the
     * Job controller no longer gives (raised).
     */
    public static int attemptsInForce(RewriteJob job, Job workerJob, JobSettings settings) {
        if (workerJob == null) {
            return attemptsPerShard(job);
        }
        String recorded = workerJob.getMetadata().getAnnotations() == null
                ? null
                : workerJob.getMetadata().getAnnotations().get(ATTEMPTS_ANNOTATION);
        if (recorded != null) {
            try {
                return Integer.parseInt(recorded);
            } catch (NumberFormatException e) {
                // edited by hand: read it from the Job's budget below
            }
        }
        Integer perIndex =
                workerJob.getSpec() == null ? null : workerJob.getSpec().getBackoffLimitPerIndex();
        int derived = perIndex == null ? 0 : perIndex + 1 - settings.modelUnreachableRetries();
        return derived >= 1 ? derived : attemptsPerShard(job);
    }

    /**
     * Whether Kueue admits (resumes) the job's worker Job rather than the operator: the worker Job carries Kueue's
     * queue label, which it takes from {@code spec.queueName} when it is made and keeps (Kueue reads it at admission);
     * before it exists, whether the spec names a queue. A queue named or removed in the spec afterwards changes neither
     * who resumes the Job nor what Kueue holds it to.
     */
    public static boolean queued(RewriteJob job, Job workerJob) {
        if (workerJob == null) {
            return job.getSpec().getQueueName() != null;
        }
        Map<String, String> labels = workerJob.getMetadata().getLabels();
        return labels != null && labels.get(RewriteJobNames.KUEUE_QUEUE_LABEL) != null;
    }

    /** {@code retry.attemptsPerShard}, 3 when unset. */
    public static int attemptsPerShard(RewriteJob job) {
        RewriteJobSpec.Retry retry = job.getSpec().getRetry();
        return retry == null || retry.getAttemptsPerShard() == null ? 3 : retry.getAttemptsPerShard();
    }

    static List<PodFailurePolicyRule> rules() {
        return List.of(
                new PodFailurePolicyRuleBuilder()
                        .withAction("Ignore")
                        .addNewOnPodCondition()
                        .withType("DisruptionTarget")
                        .withStatus("True")
                        .endOnPodCondition()
                        .build(),
                // SIGTERM without a disruption condition (`kubectl delete pod`, a deletion by hand or by a
                // controller that sets none): the worker committed what was answered and stopped; it is
                // not the shard's failure, as the attempt ledger does not charge it either
                new PodFailurePolicyRuleBuilder()
                        .withAction("Ignore")
                        .withNewOnExitCodes()
                        .withContainerName(RewriteJobNames.CONTAINER)
                        .withOperator("In")
                        .withValues(ExitCodes.TERMINATED)
                        .endOnExitCodes()
                        .build(),
                new PodFailurePolicyRuleBuilder()
                        .withAction("FailIndex")
                        .withNewOnExitCodes()
                        .withContainerName(RewriteJobNames.CONTAINER)
                        .withOperator("In")
                        .withValues(ExitCodes.BAD_DATA, ExitCodes.ATTEMPTS_EXHAUSTED)
                        .endOnExitCodes()
                        .build(),
                new PodFailurePolicyRuleBuilder()
                        .withAction("FailJob")
                        .withNewOnExitCodes()
                        .withContainerName(RewriteJobNames.CONTAINER)
                        .withOperator("In")
                        .withValues(ExitCodes.MODEL_CONFIG)
                        .endOnExitCodes()
                        .build(),
                new PodFailurePolicyRuleBuilder()
                        .withAction("Count")
                        .withNewOnExitCodes()
                        .withContainerName(RewriteJobNames.CONTAINER)
                        .withOperator("In")
                        .withValues(ExitCodes.MODEL_UNREACHABLE)
                        .endOnExitCodes()
                        .build());
    }
}
