package io.palimpsest.operator.job.status;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.job.JobPhaseMachine;
import io.palimpsest.operator.status.Rfc3339;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
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
        log(job, type, reason, message);
        create(
                client,
                job,
                event(job, type, reason, message, Rfc3339.format(now), 1)
                        .editMetadata()
                        .withGenerateName(job.getMetadata().getName() + "-")
                        .endMetadata()
                        .build());
    }

    /**
     * {@code occurrences} more of one cause ({@code reason} and {@code cause}) on the job, as one Event per
     * cause: the first creates it under a name derived from the job's uid, the reason and the cause; each
     * later one adds to its {@code count} and makes its message and lastTimestamp the latest, as client-go's
     * recorder does for repeats. A cause that fails thousands of shards is then one Event ("x2000 over 3h"
     * in {@code kubectl describe}) rather than thousands. Not logged here: the caller logs each occurrence.
     * Where the role does not allow reading and updating Events (a chart older than this one), or the
     * update meets a conflict, the occurrence is recorded as an Event of its own, as before.
     */
    static void counted(
            KubernetesClient client,
            RewriteJob job,
            String type,
            String reason,
            String cause,
            String message,
            int occurrences,
            Instant now) {
        String namespace = job.getMetadata().getNamespace();
        String at = Rfc3339.format(now);
        String name = countedName(job, reason, cause);
        try {
            client.v1()
                    .events()
                    .inNamespace(namespace)
                    .resource(event(job, type, reason, message, at, occurrences)
                            .editMetadata()
                            .withName(name)
                            .endMetadata()
                            .build())
                    .create();
            return;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                LOG.debugf(
                        e, "could not record an event for %s", job.getMetadata().getName());
                return;
            }
        }
        try {
            Event existing =
                    client.v1().events().inNamespace(namespace).withName(name).get();
            if (existing != null) {
                existing.setCount((existing.getCount() == null ? 1 : existing.getCount()) + occurrences);
                existing.setMessage(message);
                existing.setLastTimestamp(at);
                client.v1().events().inNamespace(namespace).resource(existing).update();
                return;
            }
        } catch (KubernetesClientException e) {
            LOG.debugf(
                    e,
                    "could not count an event for %s; recorded on its own",
                    job.getMetadata().getName());
        }
        create(
                client,
                job,
                event(job, type, reason, message, at, occurrences)
                        .editMetadata()
                        .withGenerateName(job.getMetadata().getName() + "-")
                        .endMetadata()
                        .build());
    }

    /** {@code <job>.<16 hex digits of the uid, reason and cause>}: a DNS subdomain, stable for the job's life. */
    static String countedName(RewriteJob job, String reason, String cause) {
        String uid = job.getMetadata().getUid() == null ? "" : job.getMetadata().getUid();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((uid + "\n" + reason + "\n" + cause).getBytes(StandardCharsets.UTF_8));
            String name = job.getMetadata().getName();
            return name.substring(0, Math.min(name.length(), 200)) + "."
                    + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    static void log(RewriteJob job, String type, String reason, String message) {
        LOG.infof(
                "RewriteJob %s/%s: %s %s: %s",
                job.getMetadata().getNamespace(), job.getMetadata().getName(), type, reason, message);
    }

    private static EventBuilder event(
            RewriteJob job, String type, String reason, String message, String at, int count) {
        return new EventBuilder()
                .withNewMetadata()
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
                .withCount(count)
                .withNewSource()
                .withComponent(COMPONENT)
                .endSource()
                .withReportingComponent(COMPONENT);
    }

    private static void create(KubernetesClient client, RewriteJob job, Event event) {
        try {
            client.v1()
                    .events()
                    .inNamespace(job.getMetadata().getNamespace())
                    .resource(event)
                    .create();
        } catch (KubernetesClientException e) {
            LOG.debugf(e, "could not record an event for %s", job.getMetadata().getName());
        }
    }
}
