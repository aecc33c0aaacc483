package io.palimpsest.operator.model.autoscale;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.WatchedNamespaces;
import io.palimpsest.operator.model.ModelNames;
import io.quarkus.arc.DefaultBean;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads pod IPs from an informer over the operator's vLLM pods (selected by label), started on
 * first use, so the scraper never lists pods against the API server. One informer over all
 * namespaces when the operator watches all; otherwise one per watched namespace, started when a
 * model there is first scraped, so a namespaced install needs no cluster-wide pod access.
 */
@ApplicationScoped
@DefaultBean
public class InformerPodAddressResolver implements PodAddressResolver {
    private static final String EVERY_NAMESPACE = "";
    private final KubernetesClient client;
    private final WatchedNamespaces watched;
    private final Map<String, SharedIndexInformer<Pod>> informers = new ConcurrentHashMap<>();
    /** Every model pod the informer sees turn Ready leaves its load time here, for the preview's estimate. */
    private final ReplicaLoadTimes loadTimes = new ReplicaLoadTimes();

    @Inject
    public InformerPodAddressResolver(
            KubernetesClient client,
            @ConfigProperty(name = "quarkus.operator-sdk.namespaces") Optional<List<String>> namespaces) {
        this.client = client;
        this.watched = WatchedNamespaces.of(namespaces, client.getNamespace());
    }

    @Override
    public List<URI> readyReplicas(RewriterModel model) {
        String ns = model.getMetadata().getNamespace();
        if (!watched.contains(ns)) {
            return List.of(); // not ours to scale (its controller does not see it either)
        }
        return readyAddresses(
                informer(watched.all() ? EVERY_NAMESPACE : ns).getStore().list(), model);
    }

    @Override
    public Optional<ReplicaLoadTimes.Measured> loadTimes(RewriterModel model) {
        String ns = model.getMetadata().getNamespace();
        if (!watched.contains(ns)) {
            return Optional.empty();
        }
        // the pods there now too, in case the informer was started by this call
        informer(watched.all() ? EVERY_NAMESPACE : ns).getStore().list().forEach(loadTimes::observe);
        return loadTimes.of(ns, model.getMetadata().getName());
    }

    /** Pods of this model (namespace and label) that are Ready and have an IP. */
    public static List<URI> readyAddresses(Collection<Pod> pods, RewriterModel model) {
        String ns = model.getMetadata().getNamespace();
        String name = model.getMetadata().getName();
        return pods.stream()
                .filter(p -> ns.equals(p.getMetadata().getNamespace()))
                .filter(p -> p.getMetadata().getLabels() != null
                        && name.equals(p.getMetadata().getLabels().get(ModelNames.MODEL_LABEL)))
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(InformerPodAddressResolver::isReady)
                .map(p -> p.getStatus().getPodIP())
                .filter(Objects::nonNull)
                .map(ip -> URI.create("http://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + ModelNames.PORT))
                .toList();
    }

    static boolean isReady(Pod p) {
        return p.getStatus() != null
                && p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private SharedIndexInformer<Pod> informer(String namespace) {
        return informers.computeIfAbsent(namespace, ns -> {
            var pods = ns.equals(EVERY_NAMESPACE)
                    ? client.pods().inAnyNamespace()
                    : client.pods().inNamespace(ns);
            SharedIndexInformer<Pod> informer = pods.withLabel(ModelNames.MANAGED_BY_LABEL, ModelNames.MANAGED_BY)
                    .withLabel(ModelNames.COMPONENT_LABEL, ModelNames.COMPONENT_SERVER)
                    .inform();
            informer.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod pod) {
                    loadTimes.observe(pod);
                }

                @Override
                public void onUpdate(Pod before, Pod pod) {
                    loadTimes.observe(pod);
                }

                @Override
                public void onDelete(Pod pod, boolean unknownFinalState) {
                    // its load stays counted: that is what the figure is for once the model is back at zero
                }
            });
            return informer;
        });
    }

    @PreDestroy
    public void close() {
        informers.values().forEach(SharedIndexInformer::close);
    }
}
