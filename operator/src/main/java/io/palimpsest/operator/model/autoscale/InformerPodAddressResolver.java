package io.palimpsest.operator.model.autoscale;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.ModelNames;
import io.quarkus.arc.DefaultBean;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Reads pod IPs from one informer over the operator's vLLM pods (all namespaces, selected by
 * label), started on first use, so the scraper never lists pods against the API server.
 */
@ApplicationScoped
@DefaultBean
public class InformerPodAddressResolver implements PodAddressResolver {
    private final KubernetesClient client;
    private volatile SharedIndexInformer<Pod> informer;

    @Inject
    public InformerPodAddressResolver(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public List<URI> readyReplicas(RewriterModel model) {
        return readyAddresses(informer().getStore().list(), model);
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
        return p.getStatus() != null && p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private SharedIndexInformer<Pod> informer() {
        SharedIndexInformer<Pod> i = informer;
        if (i == null) {
            synchronized (this) {
                if (informer == null) {
                    informer = client.pods().inAnyNamespace()
                            .withLabel(ModelNames.MANAGED_BY_LABEL, ModelNames.MANAGED_BY)
                            .withLabel(ModelNames.COMPONENT_LABEL, ModelNames.COMPONENT_SERVER)
                            .inform();
                }
                i = informer;
            }
        }
        return i;
    }

    @PreDestroy
    void stop() {
        if (informer != null) {
            informer.close();
        }
    }
}
