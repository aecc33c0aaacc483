package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * kube-controller-manager's namespace controller: a Namespace being deleted (phase Terminating,
 * held by the {@code kubernetes} finalizer that {@link ValidatingApiServer} adds on its delete)
 * has everything in it deleted, kind by kind, the way the controller's deletecollection calls do
 * (pods one by one, so each gets its graceful deletion and the kubelet stops its container);
 * once nothing is left in it, the finalizer is removed and the namespace goes. Creates in it are
 * refused meanwhile by the API layer. Opt-in ({@code SimulatedCluster.builder().namespaceLifecycle()}).
 * <p>
 * Kinds emptied: those the operator and the simulated cluster make or read (pods, Jobs,
 * Deployments, Services, ConfigMaps, Secrets, PersistentVolumeClaims, Leases, Events) and the
 * project's custom resources (RewriteJob, RewriterModel).
 */
final class NamespaceController implements AutoCloseable {

    private static final List<ResourceDefinitionContext> CUSTOM =
            List.of(custom("RewriteJob", "rewritejobs"), custom("RewriterModel", "rewritermodels"));

    private final KubernetesClient client;
    private final EventLog log;
    private final ControlLoop loop;

    NamespaceController(KubernetesClient client, EventLog log) {
        this.client = client;
        this.log = log;
        this.loop = new ControlLoop(
                "namespace-controller", this::pass, Duration.ofMillis(500), Duration.ofMillis(100), log);
    }

    void start() {
        loop.start();
    }

    private void pass() {
        for (Namespace ns : client.namespaces().list().getItems()) {
            if (ns.getMetadata().getDeletionTimestamp() == null
                    || ns.getMetadata().getFinalizers() == null
                    || !ns.getMetadata().getFinalizers().contains(ValidatingApiServer.NAMESPACE_FINALIZER)) {
                continue;
            }
            String name = ns.getMetadata().getName();
            List<HasMetadata> left = content(name);
            List<GenericKubernetesResource> custom = new ArrayList<>();
            for (ResourceDefinitionContext kind : CUSTOM) {
                try {
                    custom.addAll(client.genericKubernetesResources(kind)
                            .inNamespace(name)
                            .list()
                            .getItems());
                } catch (KubernetesClientException e) {
                    // 404: the CRD is not installed on this server. Any other failure (an injected 5xx) must
                    // not read as "none left": the namespace would go with its RewriteJobs still in it.
                    if (e.getCode() != 404) {
                        throw e;
                    }
                }
            }
            if (left.isEmpty() && custom.isEmpty()) {
                client.namespaces().withName(name).edit(n -> {
                    n.getMetadata().getFinalizers().remove(ValidatingApiServer.NAMESPACE_FINALIZER);
                    return n;
                });
                log.record("namespace-controller", name, "empty: namespace deleted");
                continue;
            }
            int deleted = 0;
            for (HasMetadata o : left) {
                deleted += delete(o) ? 1 : 0;
            }
            for (GenericKubernetesResource o : custom) {
                deleted += delete(o) ? 1 : 0;
            }
            if (deleted > 0) {
                log.record(
                        "namespace-controller",
                        name,
                        "Terminating: deleted " + deleted + " object(s), " + (left.size() + custom.size())
                                + " left before this pass");
            }
        }
    }

    private List<HasMetadata> content(String ns) {
        List<HasMetadata> all = new ArrayList<>();
        all.addAll(client.pods().inNamespace(ns).list().getItems());
        all.addAll(client.batch().v1().jobs().inNamespace(ns).list().getItems());
        all.addAll(client.apps().deployments().inNamespace(ns).list().getItems());
        all.addAll(client.services().inNamespace(ns).list().getItems());
        all.addAll(client.configMaps().inNamespace(ns).list().getItems());
        all.addAll(client.secrets().inNamespace(ns).list().getItems());
        all.addAll(client.persistentVolumeClaims().inNamespace(ns).list().getItems());
        all.addAll(client.leases().inNamespace(ns).list().getItems());
        all.addAll(client.v1().events().inNamespace(ns).list().getItems());
        return all;
    }

    /** Deletes what is not already being deleted; true when a delete was sent. */
    private boolean delete(HasMetadata object) {
        if (object.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        try {
            client.resource(object).delete();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            return false;
        }
    }

    private static ResourceDefinitionContext custom(String kind, String plural) {
        return new ResourceDefinitionContext.Builder()
                .withGroup("palimpsest.io")
                .withVersion("v1alpha1")
                .withKind(kind)
                .withPlural(plural)
                .withNamespaced(true)
                .build();
    }

    @Override
    public void close() {
        loop.close();
    }
}
