package io.palimpsest.operator.job.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.OwnerReferences;
import java.net.HttpURLConnection;
import java.util.List;

/**
 * The writes a RewriteJob reconcile makes to its owned objects: create (idempotent: an object
 * that already exists under its fixed name is taken as created, which is what keeps a restarted
 * operator from making duplicates), merge-patch of the few mutable fields, delete.
 */
public final class OwnedResources {
    private final KubernetesClient client;
    private final RewriteJob owner;

    public OwnedResources(KubernetesClient client, RewriteJob owner) {
        this.client = client;
        this.owner = owner;
    }

    /**
     * The API server refused an object as invalid (422 Unprocessable Entity). Sending the same
     * object again gives the same answer, so the reconcile turns this into the job's end with the
     * server's message instead of retrying it forever.
     */
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

    /** Creates {@code desired} owned by the RewriteJob; returns it as created, or null when it already existed. */
    public <T extends HasMetadata> T create(T desired) {
        desired.getMetadata().setOwnerReferences(List.of(OwnerReferences.controller(owner)));
        try {
            return client.resource(desired).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return null;
            }
            throw rejectedOr(e, "create", desired);
        }
    }

    public <T extends HasMetadata> void mergePatch(T existing, String patchJson) {
        try {
            client.resource(existing).patch(PatchContext.of(PatchType.JSON_MERGE), patchJson);
        } catch (KubernetesClientException e) {
            throw rejectedOr(e, "patch " + patchJson + " of", existing);
        }
    }

    static final int UNPROCESSABLE_ENTITY = 422;

    private static RuntimeException rejectedOr(KubernetesClientException e, String what, HasMetadata object) {
        if (e.getCode() != UNPROCESSABLE_ENTITY) {
            return e;
        }
        String detail = e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : e.getMessage();
        return new Rejected(
                JobReason.RejectedByApiServer,
                "the API server refused to " + what + " " + object.getKind() + " "
                        + object.getMetadata().getName() + ": " + detail);
    }

    public <T extends HasMetadata> void replace(T existing, T desired) {
        desired.getMetadata().setOwnerReferences(existing.getMetadata().getOwnerReferences());
        desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        try {
            client.resource(desired).update();
        } catch (KubernetesClientException e) {
            throw rejectedOr(e, "update", desired);
        }
    }

    public <T extends HasMetadata> void delete(T existing) {
        client.resource(existing).delete();
    }
}
