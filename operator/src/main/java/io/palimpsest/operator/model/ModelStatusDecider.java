package io.palimpsest.operator.model;

import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.ModelReason;

/**
 * Phase and the three standard conditions of a RewriterModel from one observation. Pure; the
 * truth table is in the tests.
 */
public final class ModelStatusDecider {

    /** One condition's verdict: status, reason and a message for humans. */
    public record Verdict(boolean status, ModelReason reason, String message) {}

    public record Decision(ModelPhase phase, Verdict ready, Verdict progressing, Verdict degraded) {}

    private ModelStatusDecider() {}

    /** kstatus' two abnormal-true conditions, read from a decision: what kubectl wait, Flux and Argo CD look at. */
    public record Kstatus(Verdict reconciling, Verdict stalled) {}

    /**
     * Stalled: the model cannot get where its spec asks without a change (failed, or degraded: a
     * stuck rollout, a refused ScaledObject, an unhealthy endpoint). Reconciling: otherwise, while
     * it is still on its way (downloading, loading, scaling, waiting for the first health check).
     * Ready or scaled to zero and settled: neither, i.e. Current.
     */
    public static Kstatus kstatus(Decision d) {
        boolean stalled = d.phase() == ModelPhase.Failed || d.degraded().status();
        boolean reconciling = !stalled
                && (d.progressing().status() || d.phase() == ModelPhase.Loading || d.phase() == ModelPhase.Pending);
        Verdict why = d.progressing().status() ? d.progressing() : d.ready();
        return new Kstatus(
                reconciling
                        ? new Verdict(true, why.reason(), why.message())
                        : new Verdict(false, d.ready().reason(), ""),
                stalled
                        ? new Verdict(true, d.degraded().reason(), d.degraded().message())
                        : new Verdict(false, d.degraded().reason(), ""));
    }

    public static Decision decide(ModelObservation o) {
        if (o.external()) {
            return external(o);
        }
        if (o.weights() == WeightsState.Failed) {
            String msg = downloadFailed(o.downloadJob(), o.namespace());
            return new Decision(
                    ModelPhase.Failed,
                    new Verdict(false, ModelReason.WeightDownloadFailed, msg),
                    new Verdict(false, ModelReason.WeightDownloadFailed, msg),
                    new Verdict(true, ModelReason.WeightDownloadFailed, msg));
        }
        ModelPodsNotStarting stuck = o.notStarting();
        boolean stuckTooLong = stuck != null && stuck.overdue();
        // What the cluster says is wrong with the pods, in the Ready message at once (a node may be on its way),
        // Degraded once it has lasted the progress deadline.
        String notStarting = stuck == null ? "" : "; " + stuck.text();
        Verdict degraded = o.problem() != null
                ? new Verdict(true, ModelReason.ScaledObjectFailed, o.problem())
                : stuckTooLong
                        ? new Verdict(true, ModelReason.PodsNotStarting, stuck.text())
                        : o.rolloutStuck()
                                ? new Verdict(
                                        true,
                                        ModelReason.ProgressDeadlineExceeded,
                                        "replicas did not become ready within the progress deadline" + notStarting)
                                : new Verdict(false, ModelReason.AsExpected, "");
        if (o.weights() == WeightsState.Downloading) {
            String downloading = "downloading weights into the cache volume";
            return new Decision(
                    stuckTooLong ? ModelPhase.Degraded : ModelPhase.Loading,
                    new Verdict(
                            false,
                            stuckTooLong ? ModelReason.PodsNotStarting : ModelReason.DownloadingWeights,
                            downloading + notStarting),
                    new Verdict(true, ModelReason.DownloadingWeights, downloading),
                    degraded);
        }
        String counts = o.readyReplicas() + "/" + o.desiredReplicas() + " replicas ready";
        if (o.desiredReplicas() == 0 && o.replicas() == 0) {
            return new Decision(
                    ModelPhase.ScaledToZero,
                    new Verdict(false, ModelReason.ScaledToZero, "no replica runs; work wakes the model"),
                    new Verdict(false, ModelReason.ScaledToZero, ""),
                    degraded);
        }
        boolean settled = o.readyReplicas() == o.desiredReplicas() && o.replicas() == o.desiredReplicas();
        // Replicas of an old pod template still serving are not the spec's, however many are ready.
        Verdict progressing = o.rollout() != null
                ? new Verdict(true, ModelReason.RollingOut, counts + "; " + o.rollout())
                : settled
                        ? new Verdict(false, ModelReason.ReplicasReady, counts)
                        : new Verdict(true, ModelReason.Scaling, counts);
        if (o.readyReplicas() == 0) {
            ModelPhase phase = degraded.status() ? ModelPhase.Degraded : ModelPhase.Loading;
            return new Decision(
                    phase,
                    new Verdict(
                            false,
                            stuckTooLong ? ModelReason.PodsNotStarting : ModelReason.Loading,
                            counts + notStarting),
                    progressing,
                    degraded);
        }
        ModelPhase phase = degraded.status() ? ModelPhase.Degraded : ModelPhase.Ready;
        return new Decision(
                phase, new Verdict(true, ModelReason.ReplicasReady, counts + notStarting), progressing, degraded);
    }

    /**
     * What to do about a failed download. The Job's name hashes the source (repo, revision, S3 URI) and an
     * existing Job is never updated: editing anything else, or fixing the Secret, changes nothing until the
     * Job is deleted, and then the operator makes it anew.
     */
    static String downloadFailed(String job, String namespace) {
        String name = job == null ? "<model>-download-<hash>" : job;
        return "the weight download Job " + (job == null ? "" : job + " ") + "failed (its pod's log says why);"
                + " a new source (repo, revision or S3 URI) makes a new download Job, else fix the cause (the"
                + " credentials Secret, say) and run it again with `kubectl delete job " + name
                + (namespace == null ? "" : " -n " + namespace)
                + "` (the operator makes it anew; it never updates an existing one)";
    }

    private static Decision external(ModelObservation o) {
        if (o.endpointHealth() == null) {
            return new Decision(
                    ModelPhase.Pending,
                    new Verdict(false, ModelReason.EndpointNotCheckedYet, "waiting for the first health check"),
                    new Verdict(true, ModelReason.EndpointNotCheckedYet, ""),
                    new Verdict(false, ModelReason.EndpointNotCheckedYet, ""));
        }
        if (o.endpointHealth().healthy()) {
            return new Decision(
                    ModelPhase.Ready,
                    new Verdict(
                            true,
                            ModelReason.EndpointHealthy,
                            o.endpointHealth().detail()),
                    new Verdict(false, ModelReason.EndpointHealthy, ""),
                    new Verdict(false, ModelReason.EndpointHealthy, ""));
        }
        return new Decision(
                ModelPhase.Degraded,
                new Verdict(
                        false, ModelReason.EndpointUnhealthy, o.endpointHealth().detail()),
                new Verdict(false, ModelReason.EndpointUnhealthy, ""),
                new Verdict(
                        true, ModelReason.EndpointUnhealthy, o.endpointHealth().detail()));
    }
}
