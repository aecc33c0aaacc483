package io.palimpsest.operator.status;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Objects;

/**
 * The one way a reconciler writes its primary's status: built whole from what it observed, and
 * written only when it differs from the status the reconcile started from.
 *
 * <p>The write is a replace of the status subresource guarded by the resourceVersion. On a conflict
 * (409: someone wrote the resource since it was read) the resource is read again from the API server
 * and the same status replaced once more, up to {@link #CONFLICT_ATTEMPTS} writes in all; the last
 * conflict is then thrown for the framework's retry. Any other refusal (422 from the CRD's schema, 400,
 * 403, an admission denial, 5xx...) is thrown at once, as the {@link KubernetesClientException} it is,
 * so the reconciler can tell a permanent refusal from one that may pass later. (JOSDK's
 * {@code PrimaryUpdateAndCacheUtils} is not used: it treats a 422 as a conflict, waits for a new
 * resourceVersion in the cache that never comes, and throws an exception without the server's answer.)
 *
 * <p>The response is put in JOSDK's cache, so the next reconcile starts from what was written even if
 * the informer's event has not arrived yet. A replace rather than a patch because the status is
 * computed whole: a field the new status leaves out must go, which a merge patch would keep.
 * Reconcilers return {@code UpdateControl.noUpdate()} afterwards (a reschedule is still theirs).
 */
public final class StatusWrites {
    /** Writes tried on conflicts before the last conflict is thrown (as JOSDK's own status update). */
    static final int CONFLICT_ATTEMPTS = 10;

    private StatusWrites() {}

    /** Writes {@code next} as the status of {@code primary} unless it equals the current one; says whether it wrote. */
    public static <S, P extends CustomResource<?, S>> boolean replace(P primary, S next, Context<P> context) {
        if (Objects.equals(primary.getStatus(), next)) {
            return false;
        }
        ResourceID id = ResourceID.fromResource(primary);
        P base = primary;
        for (int attempt = 1; ; attempt++) {
            base.setStatus(next);
            P updated;
            try {
                updated = context.getClient().resource(base).updateStatus();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= CONFLICT_ATTEMPTS) {
                    throw e;
                }
                P latest = context.getClient().resource(base).get();
                if (latest == null) {
                    throw e; // deleted meanwhile: the framework's retry finds it gone
                }
                base = latest;
                continue;
            }
            context.eventSourceRetriever().getControllerEventSource().handleRecentResourceUpdate(id, updated, base);
            return true;
        }
    }
}
