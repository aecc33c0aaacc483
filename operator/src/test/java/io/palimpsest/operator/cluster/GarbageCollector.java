package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * kube-controller-manager's garbage collector. Background propagation: an object whose owners are
 * all gone (no object of that kind and name, or one with another uid) is deleted, so deleting a
 * RewriteJob takes its Jobs, ConfigMap and pods with it, as on a cluster. Foreground propagation
 * (an owner deleted with {@code propagationPolicy: Foreground}, which {@link ValidatingApiServer}
 * marks with the {@code foregroundDeletion} finalizer): the owner stays, with its deletionTimestamp,
 * while its dependents are deleted (themselves in the foreground, so a Job waits for its pods and
 * pods get their graceful deletion); once no dependent names it, the finalizer is removed and the
 * owner goes. Owner kinds are remembered from the owner references seen, so an owner with no
 * dependent left is still found. Also the
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
    private final Map<String, ResourceDefinitionContext> ownerKinds = new ConcurrentHashMap<>();

    GarbageCollector(KubernetesClient client, EventLog log) {
        this.client = client;
        this.log = log;
        this.loop =
                new ControlLoop("garbage-collector", this::pass, Duration.ofMillis(500), Duration.ofMillis(100), log);
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
        List<PersistentVolumeClaim> claims =
                client.persistentVolumeClaims().inAnyNamespace().list().getItems();
        dependents.addAll(claims);
        Map<String, Optional<Owner>> owners = new HashMap<>();
        Set<String> namedOwners = new HashSet<>();
        for (HasMetadata d : dependents) {
            List<OwnerReference> refs = d.getMetadata().getOwnerReferences();
            if (refs == null || refs.isEmpty()) {
                continue;
            }
            refs.forEach(ref -> namedOwners.add(ref.getUid()));
            if (d.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String ns = d.getMetadata().getNamespace();
            List<Owner> live = refs.stream()
                    .map(ref -> owners.computeIfAbsent(
                                    ref.getApiVersion() + "/" + ref.getKind() + "/" + ns + "/" + ref.getName(),
                                    k -> owner(ref, ns))
                            .filter(o -> o.uid().equals(ref.getUid())))
                    .flatMap(Optional::stream)
                    .toList();
            if (live.isEmpty()) {
                delete(d, "owner " + refs.get(0).getKind() + " " + refs.get(0).getName() + " is gone", false);
            } else if (live.stream().allMatch(Owner::foregroundDeletion)) {
                delete(
                        d,
                        "owner " + refs.get(0).getKind() + " " + refs.get(0).getName()
                                + " is being deleted in the foreground",
                        true);
            }
        }
        releaseForegroundOwners(namedOwners, dependents);
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
                update.setStatus(new PersistentVolumeClaimStatusBuilder()
                        .withPhase("Bound")
                        .withAccessModes(
                                claim.getSpec() == null ? null : claim.getSpec().getAccessModes())
                        .withCapacity(
                                claim.getSpec() == null || claim.getSpec().getResources() == null
                                        ? null
                                        : claim.getSpec().getResources().getRequests())
                        .build());
                client.persistentVolumeClaims()
                        .inNamespace(claim.getMetadata().getNamespace())
                        .resource(update)
                        .updateStatus();
                log.record(
                        "volume-binder",
                        claim.getMetadata().getNamespace() + "/"
                                + claim.getMetadata().getName(),
                        "Bound");
            }
        }
    }

    private void collectTerminatedPods(List<Pod> pods) {
        List<Pod> terminated = pods.stream()
                .filter(JobSync::isTerminal)
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp()))
                .toList();
        int excess = terminated.size() - terminatedPodThreshold;
        for (int i = 0; i < excess; i++) {
            delete(terminated.get(i), "terminated-pod threshold " + terminatedPodThreshold);
        }
    }

    /** An owner as the collector judges it: its uid, and whether it waits for its dependents to go. */
    private record Owner(String uid, boolean foregroundDeletion) {}

    /**
     * Objects deleted in the foreground that no dependent names any more lose the finalizer, and so go:
     * the collected kinds themselves (a ConfigMap or a Job deleted in the foreground as a dependent)
     * and every kind seen as an owner.
     */
    private void releaseForegroundOwners(Set<String> namedOwners, List<HasMetadata> collected) {
        for (HasMetadata d : collected) {
            if (waitsForNothing(d, namedOwners)) {
                releaseForeground(
                        d.getKind(), d, () -> client.resource(d).edit(GarbageCollector::withoutForegroundFinalizer));
            }
        }
        for (ResourceDefinitionContext kind : ownerKinds.values()) {
            List<GenericKubernetesResource> items;
            try {
                items = client.genericKubernetesResources(kind)
                        .inAnyNamespace()
                        .list()
                        .getItems();
            } catch (KubernetesClientException e) {
                continue; // unknown to this server
            }
            for (GenericKubernetesResource owner : items) {
                if (waitsForNothing(owner, namedOwners)) {
                    releaseForeground(kind.getKind(), owner, () -> client.genericKubernetesResources(kind)
                            .inNamespace(owner.getMetadata().getNamespace())
                            .withName(owner.getMetadata().getName())
                            .edit(GarbageCollector::withoutForegroundFinalizer));
                }
            }
        }
    }

    /** Removes the foreground finalizer by {@code edit}, so the object goes; one already gone is fine. */
    private void releaseForeground(String kind, HasMetadata o, Runnable edit) {
        try {
            edit.run();
            log.record(
                    "garbage-collector",
                    kind + " " + o.getMetadata().getNamespace() + "/"
                            + o.getMetadata().getName(),
                    "dependents gone: foreground deletion done");
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static <T extends HasMetadata> T withoutForegroundFinalizer(T o) {
        o.getMetadata().getFinalizers().remove(ValidatingApiServer.FOREGROUND_FINALIZER);
        return o;
    }

    /** Deleted in the foreground, and no object names it as its owner any more. */
    private static boolean waitsForNothing(HasMetadata o, Set<String> namedOwners) {
        List<String> finalizers = o.getMetadata().getFinalizers();
        return o.getMetadata().getDeletionTimestamp() != null
                && finalizers != null
                && finalizers.contains(ValidatingApiServer.FOREGROUND_FINALIZER)
                && !namedOwners.contains(o.getMetadata().getUid());
    }

    private Optional<Owner> owner(OwnerReference ref, String namespace) {
        String apiVersion = ref.getApiVersion();
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
        String lower = ref.getKind().toLowerCase(Locale.ROOT);
        ResourceDefinitionContext context = new ResourceDefinitionContext.Builder()
                .withGroup(group)
                .withVersion(version)
                .withKind(ref.getKind())
                .withPlural(lower.endsWith("s") ? lower + "es" : lower + "s")
                .withNamespaced(true)
                .build();
        try {
            GenericKubernetesResource owner = client.genericKubernetesResources(context)
                    .inNamespace(namespace)
                    .withName(ref.getName())
                    .get();
            ownerKinds.putIfAbsent(ref.getApiVersion() + "/" + ref.getKind(), context);
            return Optional.ofNullable(owner)
                    .map(o -> new Owner(
                            o.getMetadata().getUid(),
                            o.getMetadata().getDeletionTimestamp() != null
                                    && o.getMetadata().getFinalizers() != null
                                    && o.getMetadata()
                                            .getFinalizers()
                                            .contains(ValidatingApiServer.FOREGROUND_FINALIZER)));
        } catch (KubernetesClientException e) {
            // Unknown to this server: treat as present rather than deleting what we cannot judge.
            return Optional.of(new Owner(ref.getUid(), false));
        }
    }

    private void delete(HasMetadata object, String why) {
        delete(object, why, false);
    }

    private void delete(HasMetadata object, String why, boolean foreground) {
        try {
            if (foreground) {
                client.resource(object)
                        .withPropagationPolicy(DeletionPropagation.FOREGROUND)
                        .delete();
            } else {
                client.resource(object).delete();
            }
            log.record(
                    "garbage-collector",
                    object.getKind() + " " + object.getMetadata().getNamespace() + "/"
                            + object.getMetadata().getName(),
                    "deleted: " + why);
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
