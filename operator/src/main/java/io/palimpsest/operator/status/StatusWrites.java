package io.palimpsest.operator.status;

import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.util.Objects;

/**
 * The one way a reconciler writes its primary's status: built whole from what it observed, and
 * written only when it differs from the status the reconcile started from.
 *
 * <p>The write is a replace of the status subresource guarded by the resourceVersion (on a
 * conflict JOSDK reads the resource again and replaces once more with the same status), and the
 * response is put in JOSDK's cache, so the next reconcile starts from what was written even if
 * the informer's event has not arrived yet. A replace rather than a patch because the status is
 * computed whole: a field the new status leaves out must go, which a merge patch would keep.
 * Reconcilers return {@code UpdateControl.noUpdate()} afterwards (a reschedule is still theirs).
 */
public final class StatusWrites {

    private StatusWrites() {}

    /** Writes {@code next} as the status of {@code primary} unless it equals the current one; says whether it wrote. */
    public static <S, P extends CustomResource<?, S>> boolean replace(P primary, S next, Context<P> context) {
        if (Objects.equals(primary.getStatus(), next)) {
            return false;
        }
        PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(primary, context, fresh -> {
            fresh.setStatus(next);
            return fresh;
        });
        return true;
    }
}
