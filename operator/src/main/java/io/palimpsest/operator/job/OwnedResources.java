package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.palimpsest.operator.OwnerReferences;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.palimpsest.api.v1alpha1.RewriteJob;

import java.net.HttpURLConnection;
import java.util.List;

/**
 * The writes a RewriteJob reconcile makes to its owned objects: create (idempotent: an object
 * that already exists under its fixed name is taken as created, which is what keeps a restarted
 * operator from making duplicates), merge-patch of the few mutable fields, delete.
 */
final class OwnedResources {
    private final KubernetesClient client;
    private final RewriteJob owner;

    OwnedResources(KubernetesClient client, RewriteJob owner) {
        this.client = client;
        this.owner = owner;
    }

    /** Creates {@code desired} owned by the RewriteJob; returns it as created, or null when it already existed. */
    <T extends HasMetadata> T create(T desired) {
        desired.getMetadata().setOwnerReferences(List.of(OwnerReferences.controller(owner)));
        try {
            return client.resource(desired).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return null;
            }
            throw e;
        }
    }

    <T extends HasMetadata> void mergePatch(T existing, String patchJson) {
        client.resource(existing).patch(PatchContext.of(PatchType.JSON_MERGE), patchJson);
    }

    <T extends HasMetadata> void replace(T existing, T desired) {
        desired.getMetadata().setOwnerReferences(existing.getMetadata().getOwnerReferences());
        desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        client.resource(desired).update();
    }

    <T extends HasMetadata> void delete(T existing) {
        client.resource(existing).delete();
    }
}
