package io.palimpsest.operator.job.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.ApiRefusals;
import io.palimpsest.operator.OwnerReferences;
import java.net.HttpURLConnection;
import java.util.List;

/**
 * The writes a RewriteJob reconcile makes to its owned objects: create (idempotent: an object of
 * the job's that already exists under its fixed name is taken as created, which is what keeps a
 * restarted operator from making duplicates), merge-patch of the few mutable fields, delete.
 *
 * <p>An object that already exists under the name but is not the job's (its controller reference
 * carries another uid, or none) is never taken for the job's: the create ends in {@link NameInUse},
 * naming the object and its owner.
 */
public final class OwnedResources {
    private final KubernetesClient client;
    private final RewriteJob owner;

    public OwnedResources(KubernetesClient client, RewriteJob owner) {
        this.client = client;
        this.owner = owner;
    }

    /**
     * The API server refused an object for good ({@link ApiRefusals#permanent}: 422 invalid, 400 a body
     * it cannot decode, 413 too large, an admission webhook's denial, ...). Sending the same object
     * again gives the same answer, so the reconcile turns this into the job's end with the server's
     * message instead of retrying it forever.
     */
    /** The client the objects are made with: the Events told about them go through it too. */
    public KubernetesClient client() {
        return client;
    }

    public static final class Rejected extends RuntimeException {
        private final JobReason reason;

        public Rejected(JobReason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public JobReason reason() {
            return reason;
        }
    }

    /**
     * The name of an object the job must create is held by an object that is not the job's: an
     * earlier RewriteJob's of the same name, which the garbage collector is deleting
     * ({@link JobReason#WaitingForPreviousJob}), or anyone else's ({@link JobReason#NameTaken}). The
     * job makes nothing under that name until it is free.
     */
    public static final class NameInUse extends RuntimeException {
        private final JobReason reason;

        NameInUse(JobReason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public JobReason reason() {
            return reason;
        }
    }

    /**
     * Creates {@code desired} owned by the RewriteJob; returns it as created, or as it is when the
     * job made it before (a create the informer has not shown yet).
     *
     * @throws NameInUse when the name is held by an object that is not the job's
     */
    public <T extends HasMetadata> T create(T desired) {
        desired.getMetadata().setOwnerReferences(List.of(OwnerReferences.controller(owner)));
        try {
            return client.resource(desired).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw refused(e, "create", "create", desired);
            }
            T existing = client.resource(desired).get();
            if (existing == null) {
                throw e; // deleted since: the retry creates it
            }
            if (OwnerReferences.controlledBy(existing, owner.getMetadata().getUid())) {
                return existing;
            }
            throw nameInUse(existing);
        }
    }

    private NameInUse nameInUse(HasMetadata existing) {
        if (OwnerReferences.ofAnEarlier(existing, owner)) {
            return new NameInUse(
                    JobReason.WaitingForPreviousJob,
                    "waiting for the previous job's objects to be deleted: " + OwnerReferences.describe(existing)
                            + "; a RewriteJob's objects go with it (the garbage collector deletes them), and this job"
                            + " makes its own once they are gone");
        }
        return new NameInUse(
                JobReason.NameTaken,
                OwnerReferences.describe(existing) + " already exists and is not this RewriteJob's: the job needs the"
                        + " name; delete or rename that object, or create the RewriteJob under another name");
    }

    public <T extends HasMetadata> void mergePatch(T existing, String patchJson) {
        try {
            client.resource(existing).patch(PatchContext.of(PatchType.JSON_MERGE), patchJson);
        } catch (KubernetesClientException e) {
            throw refused(e, "patch", "patch " + patchJson + " of", existing);
        }
    }

    /**
     * {@link ApiRefusals.Forbidden} for the authorizer's 403, {@link Rejected} for an answer the same
     * object would get again ({@link ApiRefusals#permanent}), else the exception for the framework's retry.
     */
    private static RuntimeException refused(KubernetesClientException e, String verb, String what, HasMetadata object) {
        if (ApiRefusals.forbidden(e)) {
            return ApiRefusals.forbidden(
                    e, verb, object.getClass(), object.getMetadata().getNamespace());
        }
        if (!ApiRefusals.permanent(e)) {
            return e;
        }
        return new Rejected(JobReason.RejectedByApiServer, ApiRefusals.rejected(e, what, object));
    }

    /** Replaces the job's own {@code existing} (its resource version guards the write) by {@code desired}. */
    public <T extends HasMetadata> void replace(T existing, T desired) {
        desired.getMetadata().setOwnerReferences(List.of(OwnerReferences.controller(owner)));
        desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        try {
            client.resource(desired).update();
        } catch (KubernetesClientException e) {
            throw refused(e, "update", "update", desired);
        }
    }

    public <T extends HasMetadata> void delete(T existing) {
        try {
            client.resource(existing).delete();
        } catch (KubernetesClientException e) {
            throw refused(e, "delete", "delete", existing);
        }
    }
}
