package io.palimpsest.operator.model;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.operator.pods.JobsWithoutPods;
import io.palimpsest.operator.pods.PodReadings;
import io.palimpsest.operator.pods.StuckPods;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Why a model's pods do not start: a vLLM or weight download pod the scheduler cannot place or the
 * kubelet cannot start ({@link StuckPods}), pods the Deployment controller cannot create at all
 * (its ReplicaFailure condition: a ResourceQuota or LimitRange refuses them), or a weight download
 * Job that creates no pod ({@link JobsWithoutPods}: the same refusal, which a Job tells only in
 * Events). None ends by itself, and a Deployment's progress deadline covers only a rollout, never
 * a change of the replica count (a wake-up from zero): without this a model would say Loading or
 * DownloadingWeights forever.
 *
 * @param cause   what a change of is worth one Warning Event (the kubelet's, scheduler's or
 *                Deployment controller's reason, ErrImagePull folded into ImagePullBackOff)
 * @param text    which pod or Deployment, why, and the cluster's message: one line
 * @param overdue it has lasted longer than the grace (the progress deadline): the model is Degraded
 */
public record ModelPodsNotStarting(String cause, String text, boolean overdue) {

    /** The download first (nothing serves before it), then the replicas. */
    static final StuckPods.Roles ROLES = new StuckPods.Roles(
            ModelNames.COMPONENT_LABEL,
            List.of(ModelNames.COMPONENT_DOWNLOAD, ModelNames.COMPONENT_SERVER),
            role -> ModelNames.COMPONENT_DOWNLOAD.equals(role)
                    ? "the weight download"
                    : ModelNames.COMPONENT_SERVER.equals(role) ? "vLLM" : "the " + role);

    /**
     * What the model's status says now, and when a cause seen but not overdue yet becomes overdue
     * (the model looks again then: nothing else may happen meanwhile).
     */
    public record Reading(Optional<ModelPodsNotStarting> finding, Optional<Instant> due) {}

    /**
     * @param pods        the model's vLLM and weight download pods
     * @param deployment  its Deployment, when made
     * @param downloadJob its weight download Job, when made
     * @param grace       how long a pod may fail to start, or the Deployment or the download Job to create pods,
     *                    before the model is Degraded
     */
    public static Reading read(
            List<Pod> pods, Optional<Deployment> deployment, Optional<Job> downloadJob, Instant now, Duration grace) {
        List<Instant> dues = new ArrayList<>();
        // Nothing serves before the download: its Job first, then the Deployment.
        Optional<ModelPodsNotStarting> refused = downloadJob
                .flatMap(j -> noPodCreated(j, pods, now, grace, dues))
                .or(() -> deployment.flatMap(d -> refusal(d, now, grace, dues)));
        List<Pod> overduePods = new ArrayList<>();
        for (Pod pod : pods) {
            if (StuckPods.of(pod, ROLES.label()).isEmpty()) {
                continue;
            }
            Optional<Instant> since = StuckPods.notRunningSince(pod);
            if (since.isEmpty() || !since.get().plus(grace).isAfter(now)) {
                overduePods.add(pod);
            } else {
                dues.add(since.get().plus(grace));
            }
        }
        Optional<ModelPodsNotStarting> overdue = refused.filter(ModelPodsNotStarting::overdue)
                .or(() -> StuckPods.summarize(overduePods, ROLES)
                        .map(s -> new ModelPodsNotStarting(s.cause(), s.text(), true)))
                .or(() -> refused)
                .or(() -> StuckPods.summarize(pods, ROLES)
                        .map(s -> new ModelPodsNotStarting(s.cause(), s.text(), false)));
        return new Reading(overdue, dues.stream().min(Comparator.naturalOrder()));
    }

    /**
     * The download Job makes no pod ({@link JobsWithoutPods}): told from its grace on, overdue once it has lasted
     * {@code grace} (as long as a pod may fail to start) since the Job was last expected to make one.
     */
    private static Optional<ModelPodsNotStarting> noPodCreated(
            Job job, List<Pod> pods, Instant now, Duration grace, List<Instant> dues) {
        JobsWithoutPods.Reading reading =
                JobsWithoutPods.of(job, pods, ROLES.words().apply(ModelNames.COMPONENT_DOWNLOAD), now);
        if (reading.due() != null) {
            dues.add(reading.due());
        }
        JobsWithoutPods.NoPodCreated found = reading.found();
        if (found == null) {
            return Optional.empty();
        }
        Duration lasted = Duration.ofSeconds(found.seconds());
        boolean overdue = lasted.compareTo(grace) >= 0;
        if (!overdue) {
            dues.add(now.plus(grace.minus(lasted)));
        }
        return Optional.of(new ModelPodsNotStarting(found.cause(), found.text(), overdue));
    }

    private static Optional<ModelPodsNotStarting> refusal(
            Deployment d, Instant now, Duration grace, List<Instant> dues) {
        if (d.getStatus() == null || d.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        Optional<DeploymentCondition> failure = d.getStatus().getConditions().stream()
                .filter(c -> "ReplicaFailure".equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst();
        return failure.map(c -> {
            String reason = c.getReason() == null ? "FailedCreate" : c.getReason();
            String message = PodReadings.cut(c.getMessage());
            String text = "the Deployment " + d.getMetadata().getName() + " cannot create its pods: " + reason
                    + (message == null || message.isEmpty() ? "" : ": " + message);
            Instant since = time(c.getLastTransitionTime())
                    .or(() -> time(c.getLastUpdateTime()))
                    .orElse(null);
            boolean overdue = since == null || !since.plus(grace).isAfter(now);
            if (!overdue) {
                dues.add(since.plus(grace));
            }
            return new ModelPodsNotStarting(reason, text, overdue);
        });
    }

    private static Optional<Instant> time(String rfc3339) {
        try {
            return rfc3339 == null ? Optional.empty() : Optional.of(Rfc3339.parse(rfc3339));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
