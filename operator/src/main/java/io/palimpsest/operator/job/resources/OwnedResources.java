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

    /**
     * The API server refused a call for want of a grant (403 Forbidden): the operator's Role or
     * ClusterRole lacks {@code verb} on {@code resource}. The same call fails until the role is fixed,
     * so the reconcile reports it and looks again later rather than throwing into the retry loop.
     */
    public static final class Forbidden extends RuntimeException {
        private final String verb;
        private final String resource;

        public Forbidden(String verb, String resource, String namespace, String detail) {
            super("the operator's role lacks " + verb + " on " + resource
                    + (namespace == null ? "" : " in namespace " + namespace)
                    + " (the API server answered 403: " + detail + ")");
            this.verb = verb;
            this.resource = resource;
        }

        public String verb() {
            return verb;
        }

        /** As RBAC names it: {@code pods}, {@code jobs.batch}. */
        public String resource() {
            return resource;
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
            throw refused(e, "create", "create", desired);
        }
    }

    public <T extends HasMetadata> void mergePatch(T existing, String patchJson) {
        try {
            client.resource(existing).patch(PatchContext.of(PatchType.JSON_MERGE), patchJson);
        } catch (KubernetesClientException e) {
            throw refused(e, "patch", "patch " + patchJson + " of", existing);
        }
    }

    static final int UNPROCESSABLE_ENTITY = 422;

    /** {@link Forbidden} for a 403, {@link Rejected} for a 422, else the exception for the framework's retry. */
    private static RuntimeException refused(KubernetesClientException e, String verb, String what, HasMetadata object) {
        String detail = e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : e.getMessage();
        if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
            return new Forbidden(
                    verb, rbacResource(object), object.getMetadata().getNamespace(), detail);
        }
        if (e.getCode() != UNPROCESSABLE_ENTITY) {
            return e;
        }
        return new Rejected(
                JobReason.RejectedByApiServer,
                "the API server refused to " + what + " " + object.getKind() + " "
                        + object.getMetadata().getName() + ": " + detail);
    }

    /** The resource as a Role's rule names it: plural, then the API group when not the core one. */
    static String rbacResource(HasMetadata object) {
        String plural = HasMetadata.getPlural(object.getClass());
        String group = HasMetadata.getGroup(object.getClass());
        return group == null || group.isEmpty() ? plural : plural + "." + group;
    }

    public <T extends HasMetadata> void replace(T existing, T desired) {
        desired.getMetadata().setOwnerReferences(existing.getMetadata().getOwnerReferences());
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
