package io.palimpsest.operator.job.observe;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.pods.JobsWithoutPods;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * A Job of the RewriteJob's that creates no pod although it should ({@link JobsWithoutPods}: a
 * quota, a LimitRange or a webhook refusing its pods): without this the job would say "starting" or
 * "listing the input" forever with no pod to look at. Told as a PodsNotStarting cause {@link #CAUSE},
 * the planner, tally and preview Jobs before the worker Job.
 */
public final class PodsNotCreated {
    /** The Job controller makes a pod within seconds; past this, none is coming. */
    public static final Duration GRACE = JobsWithoutPods.GRACE;

    /** How much longer a Job with failed pods may be waiting out the Job controller's retry delay. */
    static final Duration MAX_RETRY_DELAY = JobsWithoutPods.MAX_RETRY_DELAY;

    public static final String CAUSE = JobsWithoutPods.CAUSE;

    /**
     * @param summary the first Job (helpers before workers) that creates no pod, or null
     * @param due     when a Job that creates none yet is overdue, or null: the reconcile to look again then
     */
    public record Reading(JobsWithoutPods.NoPodCreated summary, Instant due) {
        public static final Reading NONE = new Reading(null, null);
    }

    private PodsNotCreated() {}

    public static Reading of(List<Job> jobs, List<Pod> pods, Instant now) {
        JobsWithoutPods.NoPodCreated found = null;
        Instant due = null;
        List<Job> ordered = jobs.stream()
                .sorted(Comparator.comparing((Job j) -> rank(j))
                        .thenComparing(j -> j.getMetadata().getName()))
                .toList();
        for (Job job : ordered) {
            JobsWithoutPods.Reading one = JobsWithoutPods.of(
                    job, pods, RewriteJobNames.POD_ROLES.words().apply(role(job)), now);
            if (one.found() != null && found == null) {
                found = one.found();
            }
            if (one.due() != null && (due == null || one.due().isBefore(due))) {
                due = one.due();
            }
        }
        return new Reading(found, due);
    }

    private static String role(Job job) {
        return job.getMetadata().getLabels() == null
                ? null
                : job.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL);
    }

    private static int rank(Job job) {
        int i = RewriteJobNames.POD_ROLES.order().indexOf(role(job));
        return i < 0 ? RewriteJobNames.POD_ROLES.order().size() : i;
    }
}
