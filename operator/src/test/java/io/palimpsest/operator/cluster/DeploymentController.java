package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The apps/v1 Deployment controller, without the ReplicaSet layer: pods are owned by the
 * Deployment directly and carry its {@code pod-template-hash}. Scaling up creates pods from the
 * template; scaling down deletes the least useful first (not yet ready before ready, then the
 * youngest), as the ReplicaSet controller ranks them. A template change rolls pods over within
 * maxSurge / maxUnavailable. Status: replicas, updatedReplicas, readyReplicas, availableReplicas
 * (minReadySeconds is taken as 0), unavailableReplicas, observedGeneration and the Available /
 * Progressing conditions.
 * <p>
 * Pods are created with no node and no address: the {@link Kubelet} binds them, gives each its own
 * loopback address and runs the image, so a vLLM Deployment becomes model-sim servers on
 * {@code <podIP>:8000} that turn ready when their /health answers.
 */
public final class DeploymentController implements AutoCloseable {

    static final String TEMPLATE_HASH = "pod-template-hash";
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final KubernetesClient client;
    private final Clock clock;
    private final EventLog log;
    private final SplittableRandom random = new SplittableRandom(11);
    private final ControlLoop loop;
    private final ChangeFeed feed = new ChangeFeed();

    DeploymentController(KubernetesClient client, Clock clock, EventLog log) {
        this.client = client;
        this.clock = clock;
        this.log = log;
        this.loop = new ControlLoop(
                "deployment-controller", this::pass, Duration.ofMillis(500), Duration.ofMillis(20), log);
    }

    void start() {
        feed.watch(client.apps().deployments().inAnyNamespace(), d -> loop.kick());
        feed.watch(client.pods().inAnyNamespace().withLabel(TEMPLATE_HASH), p -> loop.kick());
        loop.start();
    }

    private void pass() {
        Map<String, List<Pod>> podsByOwner = new HashMap<>();
        for (Pod pod :
                client.pods().inAnyNamespace().withLabel(TEMPLATE_HASH).list().getItems()) {
            for (OwnerReference ref :
                    Optional.ofNullable(pod.getMetadata().getOwnerReferences()).orElse(List.of())) {
                if ("Deployment".equals(ref.getKind())) {
                    podsByOwner
                            .computeIfAbsent(ref.getUid(), k -> new ArrayList<>())
                            .add(pod);
                }
            }
        }
        for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
            if (d.getMetadata().getDeletionTimestamp() == null) {
                sync(d, podsByOwner.getOrDefault(d.getMetadata().getUid(), List.of()));
            }
        }
    }

    private void sync(Deployment d, List<Pod> pods) {
        String ref = d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
        int desired = Optional.ofNullable(d.getSpec().getReplicas()).orElse(1);
        String hash = templateHash(d);
        List<Pod> live = pods.stream().filter(JobSync::isActive).toList();
        List<Pod> current = live.stream()
                .filter(p -> hash.equals(p.getMetadata().getLabels().get(TEMPLATE_HASH)))
                .toList();
        List<Pod> old = live.stream().filter(p -> !current.contains(p)).toList();
        int maxSurge =
                resolve(rolling(d).map(RollingUpdateDeployment::getMaxSurge).orElse(null), desired, true);
        int maxUnavailable = resolve(
                rolling(d).map(RollingUpdateDeployment::getMaxUnavailable).orElse(null), desired, false);
        if (maxSurge == 0 && maxUnavailable == 0) {
            maxUnavailable = 1;
        }
        boolean recreate = d.getSpec().getStrategy() != null
                && "Recreate".equals(d.getSpec().getStrategy().getType());

        List<Pod> toDelete = new ArrayList<>();
        int toCreate = 0;
        if (old.isEmpty()) {
            if (current.size() < desired) {
                toCreate = desired - current.size();
            } else if (current.size() > desired) {
                current.stream()
                        .sorted(deletionOrder())
                        .limit(current.size() - desired)
                        .forEach(toDelete::add);
            }
        } else if (recreate) {
            toDelete.addAll(old);
        } else {
            int ready = (int) live.stream().filter(JobSync::isReady).count();
            toCreate = Math.max(0, Math.min(desired + maxSurge - live.size(), desired - current.size()));
            int minAvailable = desired - maxUnavailable;
            List<Pod> oldByUsefulness = old.stream().sorted(deletionOrder()).toList();
            for (Pod p : oldByUsefulness) {
                boolean counts = JobSync.isReady(p);
                if (!counts || ready - 1 >= minAvailable) {
                    toDelete.add(p);
                    if (counts) {
                        ready--;
                    }
                }
            }
        }
        for (Pod p : toDelete) {
            try {
                client.pods()
                        .inNamespace(p.getMetadata().getNamespace())
                        .withName(p.getMetadata().getName())
                        .delete();
                log.record(
                        "deployment-controller",
                        ref,
                        "deleted pod " + p.getMetadata().getName());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
        for (int i = 0; i < toCreate; i++) {
            Pod pod = podFor(d, hash);
            client.pods()
                    .inNamespace(d.getMetadata().getNamespace())
                    .resource(pod)
                    .create();
            log.record(
                    "deployment-controller",
                    ref,
                    "created pod " + pod.getMetadata().getName());
        }
        writeStatus(
                d,
                desired,
                hash,
                live.stream().filter(p -> !toDelete.contains(p)).toList(),
                toCreate,
                maxUnavailable);
    }

    private void writeStatus(Deployment d, int desired, String hash, List<Pod> live, int created, int maxUnavailable) {
        int updated = (int) live.stream()
                        .filter(p -> hash.equals(p.getMetadata().getLabels().get(TEMPLATE_HASH)))
                        .count()
                + created;
        int ready = (int) live.stream().filter(JobSync::isReady).count();
        DeploymentStatus s = new DeploymentStatus();
        s.setObservedGeneration(d.getMetadata().getGeneration());
        s.setReplicas(live.size() + created);
        s.setUpdatedReplicas(updated);
        s.setReadyReplicas(ready);
        s.setAvailableReplicas(ready);
        s.setUnavailableReplicas(Math.max(0, desired - ready));
        DeploymentStatus before = Optional.ofNullable(d.getStatus()).orElseGet(DeploymentStatus::new);
        List<DeploymentCondition> conditions = new ArrayList<>();
        boolean available = ready >= desired - maxUnavailable;
        conditions.add(condition(
                before,
                "Available",
                available ? "True" : "False",
                available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                available ? "Deployment has minimum availability." : "Deployment does not have minimum availability."));
        boolean done = updated == desired && ready == desired && live.size() + created == desired;
        conditions.add(condition(
                before,
                "Progressing",
                "True",
                done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                done ? "Deployment has successfully progressed." : "Deployment is progressing."));
        s.setConditions(conditions);
        if (!Objects.equals(key(before), key(s))) {
            Deployment update = new Deployment();
            update.setApiVersion("apps/v1");
            update.setKind("Deployment");
            update.setMetadata(d.getMetadata());
            update.setStatus(s);
            client.apps()
                    .deployments()
                    .inNamespace(d.getMetadata().getNamespace())
                    .resource(update)
                    .updateStatus();
            if (!Objects.equals(before.getReadyReplicas(), s.getReadyReplicas())
                    || !Objects.equals(before.getReplicas(), s.getReplicas())) {
                log.record(
                        "deployment-controller",
                        d.getMetadata().getNamespace() + "/" + d.getMetadata().getName(),
                        "replicas " + s.getReplicas() + " ready " + s.getReadyReplicas() + " desired " + desired);
            }
        }
    }

    private static String key(DeploymentStatus s) {
        StringBuilder k = new StringBuilder()
                .append(s.getObservedGeneration())
                .append('/')
                .append(s.getReplicas())
                .append('/')
                .append(s.getUpdatedReplicas())
                .append('/')
                .append(s.getReadyReplicas())
                .append('/')
                .append(s.getAvailableReplicas())
                .append('/')
                .append(s.getUnavailableReplicas());
        Optional.ofNullable(s.getConditions())
                .orElse(List.of())
                .forEach(c ->
                        k.append(';').append(c.getType()).append(c.getStatus()).append(c.getReason()));
        return k.toString();
    }

    private DeploymentCondition condition(
            DeploymentStatus before, String type, String status, String reason, String message) {
        String now = K8sTime.format(clock.instant());
        DeploymentCondition previous = Optional.ofNullable(before.getConditions()).orElse(List.of()).stream()
                .filter(c -> type.equals(c.getType()))
                .findFirst()
                .orElse(null);
        String transition =
                previous != null && status.equals(previous.getStatus()) ? previous.getLastTransitionTime() : now;
        String update = previous != null && status.equals(previous.getStatus()) && reason.equals(previous.getReason())
                ? previous.getLastUpdateTime()
                : now;
        return new DeploymentCondition(transition, update, message, reason, status, type);
    }

    /** Not ready before ready, then the youngest first: the ReplicaSet controller's ranking, in short. */
    private static Comparator<Pod> deletionOrder() {
        return Comparator.comparing((Pod p) -> JobSync.isReady(p))
                .thenComparing((Pod p) -> p.getMetadata().getCreationTimestamp(), Comparator.reverseOrder());
    }

    private static Optional<RollingUpdateDeployment> rolling(Deployment d) {
        return Optional.ofNullable(d.getSpec().getStrategy()).map(s -> s.getRollingUpdate());
    }

    /** IntOrString "25%" of replicas, rounded up for surge and down for unavailable; default 25%. */
    static int resolve(IntOrString value, int replicas, boolean roundUp) {
        if (value == null) {
            value = new IntOrString("25%");
        }
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        double percent = Double.parseDouble(value.getStrVal().replace("%", "")) / 100.0;
        return (int) (roundUp ? Math.ceil(percent * replicas) : Math.floor(percent * replicas));
    }

    static String templateHash(Deployment d) {
        return Integer.toHexString(
                Serialization.asJson(d.getSpec().getTemplate()).hashCode());
    }

    private Pod podFor(Deployment d, String hash) {
        Pod pod = new Pod();
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        ObjectMeta template =
                Optional.ofNullable(d.getSpec().getTemplate().getMetadata()).orElseGet(ObjectMeta::new);
        ObjectMeta meta = new ObjectMeta();
        StringBuilder suffix = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            suffix.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        meta.setName(d.getMetadata().getName() + "-" + hash + "-" + suffix);
        meta.setNamespace(d.getMetadata().getNamespace());
        Map<String, String> labels =
                new LinkedHashMap<>(Optional.ofNullable(template.getLabels()).orElse(Map.of()));
        labels.put(TEMPLATE_HASH, hash);
        meta.setLabels(labels);
        meta.setAnnotations(template.getAnnotations());
        meta.setOwnerReferences(List.of(new OwnerReferenceBuilder()
                .withApiVersion("apps/v1")
                .withKind("Deployment")
                .withName(d.getMetadata().getName())
                .withUid(d.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build()));
        pod.setMetadata(meta);
        pod.setSpec(Serialization.clone(d.getSpec().getTemplate().getSpec()));
        return pod;
    }

    @Override
    public void close() {
        feed.close();
        loop.close();
    }
}
