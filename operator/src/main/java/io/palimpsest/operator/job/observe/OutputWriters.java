package io.palimpsest.operator.job.observe;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.operator.job.RewriteJobNames;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What of a RewriteJob may still write to its output: a planner, worker or preview pod that has not terminated (one
 * the Job controller is deleting still runs until it has, and a worker that gets SIGTERM after its shard's last
 * document commits the shard), a worker Job that is neither finished nor stopped (suspended or at parallelism 0: it
 * makes pods again), or a Job that counts active or terminating pods the informer has not shown. A job that has
 * ended keeps its output from the next job ({@link SharedOutput}) until nothing here is left: its phase says the
 * campaign is over, not that no worker of it can commit any more. The tally only reads: its pods do not count.
 */
public final class OutputWriters {
    private OutputWriters() {}

    /**
     * What may still write, described for the status ("1 worker pod still runs"), or empty when nothing can.
     *
     * @param jobs the job's Jobs, every role
     * @param pods every pod the informer holds under the job's label: those of a worker Job deleted under the job, or
     *             of an earlier job of the same name, may still run and write as well
     */
    public static Optional<String> of(Collection<Job> jobs, Collection<Pod> pods) {
        List<String> what = new ArrayList<>();
        long running = pods.stream()
                .filter(p -> writes(role(p.getMetadata().getLabels())))
                .filter(p -> !ClusterReadings.podTerminated(p))
                .count();
        if (running > 0) {
            what.add(running + (running == 1 ? " pod still runs" : " pods still run"));
        }
        for (Job job : jobs) {
            String role = role(job.getMetadata().getLabels());
            if (!writes(role)) {
                continue;
            }
            String name = "Job " + job.getMetadata().getName();
            if (RewriteJobNames.ROLE_WORK.equals(role) && !stopped(job)) {
                what.add("the worker " + name + " is not stopped yet");
            } else if (!RewriteJobNames.ROLE_WORK.equals(role)
                    && ClusterReadings.helperJob(job) == ClusterReadings.HelperState.RUNNING) {
                what.add("the " + name + " has not finished");
            } else if (running == 0 && counted(job) > 0) {
                what.add("the " + name + " counts " + counted(job) + " active or terminating pod(s)");
            }
        }
        return what.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", what));
    }

    /** Finished (every index ended, or the Job failed), or held so that it makes no pod: suspended, or at 0. */
    static boolean stopped(Job worker) {
        var spec = worker.getSpec();
        return ClusterReadings.workerJob(worker).state().isFinished()
                || (spec != null
                        && (Boolean.TRUE.equals(spec.getSuspend())
                                || Integer.valueOf(0).equals(spec.getParallelism())));
    }

    private static int counted(Job job) {
        var status = job.getStatus();
        if (status == null) {
            return 0;
        }
        return (status.getActive() == null ? 0 : status.getActive())
                + (status.getTerminating() == null ? 0 : status.getTerminating());
    }

    private static String role(Map<String, String> labels) {
        return labels == null ? null : labels.get(RewriteJobNames.ROLE_LABEL);
    }

    /** The planner writes the plan, workers the shards, the preview its report under the output; the tally reads. */
    private static boolean writes(String role) {
        return !RewriteJobNames.ROLE_TALLY.equals(role);
    }
}
