package io.palimpsest.operator.job.resources;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.FinishedInputs;
import io.palimpsest.api.worker.PlannerScratch;
import io.palimpsest.api.worker.PlannerThreads;
import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.job.ParallelismPolicy;
import io.palimpsest.operator.job.RewriteJobNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code palimpsest plan}: lists the input, writes the shard manifest to storage and reports the
 * shard count ({@link io.palimpsest.api.worker.PlanSummary}) in its termination message. Planning
 * is deterministic and keeps an existing manifest, so a rerun is harmless. A plan refused for the
 * job's own reasons (exit {@link ExitCodes#INVALID_JOB}: no input, an empty plan, recipe drift,
 * a recipe that does not compile) fails the Job at once, with the reason as termination message.
 * The campaigns of the RewriteJobs it reads that have Succeeded are named to it ({@link FinishedInputs#ENV}, an
 * environment variable a worker image from before it ignores, refusing such an input as not whole): a campaign
 * there with shards failed for good is read as it is while the output still holds it, where one still running, or
 * a rerun written into the output since, would be refused.
 */
public final class PlannerJob {
    private PlannerJob() {}

    public static Job desired(RewriteJob job, String image, JobSettings settings) {
        return desired(job, image, settings, null);
    }

    /**
     * @param fleetWorkers workers the job's model keeps busy at once ({@link ParallelismPolicy#fleetWorkers}): the
     *                     planner cuts shards long for that fleet into item ranges; null keeps whole files
     */
    public static Job desired(RewriteJob job, String image, JobSettings settings, Integer fleetWorkers) {
        return desired(job, image, settings, fleetWorkers, List.of());
    }

    /**
     * @param finishedInputs the campaigns the job reads of the RewriteJobs that have Succeeded ({@link
     *                       io.palimpsest.operator.job.observe.FinishedUpstreams}): the planner reads each as it is,
     *                       though some of its shards failed in that job, while its output still holds it ({@link
     *                       FinishedInputs#ENV}; no variable when there is none)
     */
    public static Job desired(
            RewriteJob job,
            String image,
            JobSettings settings,
            Integer fleetWorkers,
            List<FinishedInputs.Campaign> finishedInputs) {
        List<String> args = new ArrayList<>(List.of("plan", "--job", WorkerPodTemplate.JOB_FILE));
        if (fleetWorkers != null) {
            args.addAll(List.of("--fleet-workers", String.valueOf(fleetWorkers)));
        }
        PodTemplateSpec template = boundedScratch(
                WorkerPodTemplate.build(job, RewriteJobNames.ROLE_PLAN, image, null, Map.of(), settings, args),
                settings.plannerScratchSize());
        if (!finishedInputs.isEmpty()) {
            // not a flag: an image from before it would exit with a usage error, where it ignores a variable;
            // '$' doubled, as the kubelet reads $(NAME) in a value as a reference and $$ as '$'
            String value = FinishedInputs.encode(finishedInputs).replace("$", "$$");
            template.getSpec().getContainers().get(0).getEnv().add(new EnvVar(FinishedInputs.ENV, value, null));
        }
        return new JobBuilder()
                .withNewMetadata()
                .withName(RewriteJobNames.plannerJob(job))
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(RewriteJobNames.labels(job, RewriteJobNames.ROLE_PLAN))
                .withAnnotations(Map.of(MadeFrom.ANNOTATION, MadeFrom.annotation(MadeFrom.plannerJob(job))))
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(settings.helperBackoffLimit())
                // a plan refused for the job's own reasons fails the same way every time: no retries
                .withNewPodFailurePolicy()
                .addNewRule()
                .withAction("FailJob")
                .withNewOnExitCodes()
                .withContainerName(RewriteJobNames.CONTAINER)
                .withOperator("In")
                .withValues(ExitCodes.INVALID_JOB)
                .endOnExitCodes()
                .endRule()
                .endPodFailurePolicy()
                .withTemplate(withThreads(template, settings.plannerThreads()))
                .endSpec()
                .build();
    }

    /**
     * The planner told how many input shards its duplicate-id pass reads at once ({@link PlannerThreads#SETTING}):
     * the pod requests no CPU, so without it the JVM would take every core of the node as its own.
     */
    static PodTemplateSpec withThreads(PodTemplateSpec template, int threads) {
        template.getSpec()
                .getContainers()
                .get(0)
                .getEnv()
                .add(new EnvVar(PlannerThreads.ENV, Integer.toString(threads), null));
        return template;
    }

    /**
     * The planner's {@code /tmp} emptyDir limited to {@code size} ({@link PlannerScratch#SETTING}), and the planner
     * told to stop at nine tenths of it ({@link PlannerScratch#ENV}): past the limit the kubelet would evict the pod,
     * and evict it again on every retry, where the planner's own stop names the setting.
     */
    static PodTemplateSpec boundedScratch(PodTemplateSpec template, Quantity size) {
        long bytes = Quantity.getAmountInBytes(size).longValue();
        for (Volume volume : template.getSpec().getVolumes()) {
            if (volume.getName().equals("tmp") && volume.getEmptyDir() != null) {
                volume.getEmptyDir().setSizeLimit(size);
            }
        }
        template.getSpec()
                .getContainers()
                .get(0)
                .getEnv()
                .add(new EnvVar(PlannerScratch.ENV, Long.toString(PlannerScratch.budget(bytes)), null));
        return template;
    }
}
