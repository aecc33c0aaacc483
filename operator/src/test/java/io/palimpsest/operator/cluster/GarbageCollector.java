package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * kube-controller-manager's garbage collector, background propagation only: an object whose
 * owners are all gone (no object of that kind and name, or one with another uid) is deleted, so
 * deleting a RewriteJob takes its Jobs, ConfigMap and pods with it, as on a cluster. Also the
 * terminated-pod collector: above {@code terminatedPodThreshold} finished pods (Kubernetes'
 * default is 12,500), the oldest are deleted — a pod still holding a finalizer only gets its
 * deletionTimestamp until its controller lets go.
 * <p>
 * Owners are looked up by apiVersion/kind with the plural made by adding "s" (or "es"), which
 * holds for every kind the operator owns things with.
 */
final class GarbageCollector implements AutoCloseable {

    private final KubernetesClient client;
    private final EventLog log;
    private final ControlLoop loop;
    private volatile int terminatedPodThreshold = 12_500;

    GarbageCollector(KubernetesClient client, EventLog log) {
        this.client = client;
        this.log = log;
        this.loop = new ControlLoop("garbage-collector", this::pass, Duration.ofMillis(500), Duration.ofMillis(100), log);
    }

    void start() {
        loop.start();
    }

    void terminatedPodThreshold(int threshold) {
        this.terminatedPodThreshold = threshold;
        loop.kick();
    }

    private void pass() {
        List<HasMetadata> dependents = new ArrayList<>();
        List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
        dependents.addAll(pods);
        dependents.addAll(client.batch().v1().jobs().inAnyNamespace().list().getItems());
        dependents.addAll(client.configMaps().inAnyNamespace().list().getItems());
        dependents.addAll(client.secrets().inAnyNamespace().list().getItems());
        dependents.addAll(client.services().inAnyNamespace().list().getItems());
        dependents.addAll(client.apps().deployments().inAnyNamespace().list().getItems());
        List<PersistentVolumeClaim> claims = client.persistentVolumeClaims().inAnyNamespace().list().getItems();
        dependents.addAll(claims);
        Map<String, Optional<String>> ownerUids = new HashMap<>();
        for (HasMetadata d : dependents) {
            List<OwnerReference> refs = d.getMetadata().getOwnerReferences();
            if (refs == null || refs.isEmpty() || d.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String ns = d.getMetadata().getNamespace();
            boolean anyOwnerLeft = refs.stream().anyMatch(ref -> ownerUids
                    .computeIfAbsent(ref.getApiVersion() + "/" + ref.getKind() + "/" + ns + "/" + ref.getName(),
                            k -> ownerUid(ref, ns))
                    .filter(ref.getUid()::equals).isPresent());
            if (!anyOwnerLeft) {
                delete(d, "owner " + refs.get(0).getKind() + " " + refs.get(0).getName() + " is gone");
            }
        }
        bindClaims(claims);
        collectTerminatedPods(pods);
    }

    /** There is no volume provisioner: a claim is bound as soon as it exists. */
    private void bindClaims(List<PersistentVolumeClaim> claims) {
        for (PersistentVolumeClaim claim : claims) {
            if (claim.getStatus() == null || !"Bound".equals(claim.getStatus().getPhase())) {
                PersistentVolumeClaim update = new PersistentVolumeClaim();
                update.setApiVersion("v1");
                update.setKind("PersistentVolumeClaim");
                update.setMetadata(claim.getMetadata());
                update.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder().withPhase("Bound")
                        .withAccessModes(claim.getSpec() == null ? null : claim.getSpec().getAccessModes())
                        .withCapacity(claim.getSpec() == null || claim.getSpec().getResources() == null ? null
                                : claim.getSpec().getResources().getRequests())
                        .build());
                client.persistentVolumeClaims().inNamespace(claim.getMetadata().getNamespace()).resource(update).updateStatus();
                log.record("volume-binder", claim.getMetadata().getNamespace() + "/" + claim.getMetadata().getName(), "Bound");
            }
        }
    }

    private void collectTerminatedPods(List<Pod> pods) {
        List<Pod> terminated = pods.stream().filter(JobSync::isTerminal)
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp()))
                .toList();
        int excess = terminated.size() - terminatedPodThreshold;
        for (int i = 0; i < excess; i++) {
            delete(terminated.get(i), "terminated-pod threshold " + terminatedPodThreshold);
        }
    }

    private Optional<String> ownerUid(OwnerReference ref, String namespace) {
        String apiVersion = ref.getApiVersion();
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
        String lower = ref.getKind().toLowerCase(Locale.ROOT);
        ResourceDefinitionContext context = new ResourceDefinitionContext.Builder()
                .withGroup(group).withVersion(version).withKind(ref.getKind())
                .withPlural(lower.endsWith("s") ? lower + "es" : lower + "s").withNamespaced(true).build();
        try {
            GenericKubernetesResource owner = client.genericKubernetesResources(context).inNamespace(namespace)
                    .withName(ref.getName()).get();
            return Optional.ofNullable(owner).map(o -> o.getMetadata().getUid());
        } catch (KubernetesClientException e) {
            // Unknown to this server: treat as present rather than deleting what we cannot judge.
            return Optional.of(ref.getUid());
        }
    }

    private void delete(HasMetadata object, String why) {
        try {
            client.resource(object).delete();
            log.record("garbage-collector", object.getKind() + " " + object.getMetadata().getNamespace() + "/"
                    + object.getMetadata().getName(), "deleted: " + why);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
