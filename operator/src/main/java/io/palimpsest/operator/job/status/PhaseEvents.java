package io.palimpsest.operator.job.status;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.job.JobPhaseMachine;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * A Kubernetes Event per phase change (and per shard failure, {@link ShardFailureEvents}), so {@code kubectl describe rwj} tells the story,
 * also logged at INFO (Events expire after an hour; the operator's log is kept as long as the cluster keeps logs). Best effort.
 */
public final class PhaseEvents {
    private static final Logger LOG = Logger.getLogger(PhaseEvents.class);
    static final String COMPONENT = "palimpsest-operator";

    private PhaseEvents() {}

    /** A Warning when the job fails or enters its new phase held ({@link JobPhaseMachine#held}), else Normal. */
    public static void phaseChanged(
            KubernetesClient client,
            RewriteJob job,
            JobPhase from,
            JobPhase to,
            JobReason reason,
            String message,
            Instant now) {
        record(
                client,
                job,
                to == JobPhase.Failed || JobPhaseMachine.held(reason) || reason == JobReason.Forbidden
                        ? "Warning"
                        : "Normal",
                reason == null ? null : reason.name(),
                (from == null ? "" : from + " -> ") + to + (message == null || message.isEmpty() ? "" : ": " + message),
                now);
    }

    /**
     * A job that stays in its phase but is held there (the spec edited past the policy, the model
     * gone or refused): a Warning, once per change of reason, naming what to fix.
     */
    public static void held(
            KubernetesClient client, RewriteJob job, JobPhase phase, String reason, String message, Instant now) {
        record(
                client,
                job,
                "Warning",
                reason,
                phase + " held" + (message == null || message.isEmpty() ? "" : ": " + message),
                now);
    }

    /**
     * A Warning about the job that is no phase change: a call the operator's role does not allow, or
     * some of its pods do not start (once per cause, the reason of its PodsNotStarting condition, not
     * per pod nor per reconcile).
     */
    public static void warning(KubernetesClient client, RewriteJob job, String reason, String message, Instant now) {
        record(client, job, "Warning", reason, message, now);
    }

    /** One Event about the job; never fails the reconcile. */
    static void record(
            KubernetesClient client, RewriteJob job, String type, String reason, String message, Instant now) {
        String at = Rfc3339.format(now);
        LOG.infof(
                "RewriteJob %s/%s: %s %s: %s",
                job.getMetadata().getNamespace(), job.getMetadata().getName(), type, reason, message);
        try {
            client.v1()
                    .events()
                    .inNamespace(job.getMetadata().getNamespace())
                    .resource(new EventBuilder()
                            .withNewMetadata()
                            .withGenerateName(job.getMetadata().getName() + "-")
                            .withNamespace(job.getMetadata().getNamespace())
                            .endMetadata()
                            .withInvolvedObject(new ObjectReferenceBuilder()
                                    .withApiVersion(job.getApiVersion())
                                    .withKind(job.getKind())
                                    .withName(job.getMetadata().getName())
                                    .withNamespace(job.getMetadata().getNamespace())
                                    .withUid(job.getMetadata().getUid())
                                    .build())
                            .withType(type)
                            .withReason(reason)
                            .withMessage(message)
                            .withFirstTimestamp(at)
                            .withLastTimestamp(at)
                            .withCount(1)
                            .withNewSource()
                            .withComponent(COMPONENT)
                            .endSource()
                            .withReportingComponent(COMPONENT)
                            .build())
                    .create();
        } catch (KubernetesClientException e) {
            LOG.debugf(e, "could not record an event for %s", job.getMetadata().getName());
        }
    }
}
