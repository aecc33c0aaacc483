package io.palimpsest.operator.job.resources;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.job.RewriteJobNames;
import java.util.List;
import java.util.Map;

/**
 * {@code palimpsest tally}: sums every receipt in storage and reports a
 * {@link io.palimpsest.api.worker.Tally} in its termination message, with the shards that have a
 * receipt. Run once, after the worker Job finished, when some committed shards' summaries were never
 * seen (their pods were garbage-collected first), or when a failed index may hide a committed shard
 * ({@link io.palimpsest.operator.job.observe.CommittedFailedShards}); the operator itself never reads
 * storage.
 */
public final class TallyJob {
    private TallyJob() {}

    public static Job desired(RewriteJob job, String image, JobSettings settings) {
        return new JobBuilder()
                .withNewMetadata()
                .withName(RewriteJobNames.tallyJob(job))
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(RewriteJobNames.labels(job, RewriteJobNames.ROLE_TALLY))
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(settings.helperBackoffLimit())
                .withTemplate(WorkerPodTemplate.build(
                        job,
                        RewriteJobNames.ROLE_TALLY,
                        image,
                        null,
                        Map.of(),
                        settings,
                        List.of("tally", "--job", WorkerPodTemplate.JOB_FILE)))
                .endSpec()
                .build();
    }
}
