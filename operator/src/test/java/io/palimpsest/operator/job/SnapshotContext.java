package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.dependent.managed.ManagedWorkflowAndDependentResourceContext;
import io.javaoperatorsdk.operator.processing.event.EventSourceRetriever;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.job.observe.OrphanWriters;
import io.palimpsest.operator.job.observe.SharedOutput;
import io.palimpsest.operator.job.observe.UpstreamInput;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * What a freshly started operator's informers would hold, read from the API server at one
 * instant: a reconcile run with it has no memory but the cluster's. Taking two snapshots before
 * either reconcile acts gives two operator instances racing on the same state.
 */
final class SnapshotContext implements Context<RewriteJob> {
    private final KubernetesClient client;
    private final RewriteJob primary;
    private final List<Job> jobs;
    private final List<ConfigMap> configMaps;
    private final List<Pod> pods;
    private final RewriterModel model;
    private final List<RewriteJob> allJobs;
    private final List<Pod> allPods;

    SnapshotContext(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.primary = client.resources(RewriteJob.class)
                .inNamespace(namespace)
                .withName(name)
                .get();
        this.jobs = client.batch()
                .v1()
                .jobs()
                .inNamespace(namespace)
                .withLabel(RewriteJobNames.JOB_LABEL, name)
                .list()
                .getItems();
        this.configMaps = client.configMaps()
                .inNamespace(namespace)
                .withLabel(RewriteJobNames.JOB_LABEL, name)
                .list()
                .getItems();
        this.pods = client.pods()
                .inNamespace(namespace)
                .withLabel(RewriteJobNames.JOB_LABEL, name)
                .list()
                .getItems();
        this.model = client.resources(RewriterModel.class)
                .inNamespace(namespace)
                .withName(primary.getSpec().getModelRef().getName())
                .get();
        this.allJobs =
                client.resources(RewriteJob.class).inNamespace(namespace).list().getItems();
        this.allPods = client.pods()
                .inAnyNamespace()
                .withLabel(RewriteJobNames.JOB_LABEL)
                .list()
                .getItems();
    }

    /** The pod informer's indexes of what pods write ({@link OrphanWriters}), over every namespace's pods. */
    OrphanWriters.PodIndex podIndex() {
        return (index, key) -> allPods.stream()
                .filter(p -> (switch (index) {
                            case OrphanWriters.BY_OUTPUT -> OrphanWriters.keys(p);
                            case OrphanWriters.BY_OUTPUT_TREE -> OrphanWriters.treeKeys(p);
                            case OrphanWriters.BY_UNKNOWN_OUTPUT -> OrphanWriters.unknownKeys(p);
                            default -> throw new UnsupportedOperationException(index);
                        })
                        .contains(key))
                .toList();
    }

    RewriteJob primary() {
        return primary;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> Set<R> getSecondaryResources(Class<R> type) {
        List<?> items = type == Job.class
                ? jobs
                : type == ConfigMap.class
                        ? configMaps
                        : type == Pod.class
                                ? pods
                                : type == RewriterModel.class
                                        ? (model == null ? List.of() : List.of(model))
                                        : List.of();
        return new LinkedHashSet<>((List<R>) items);
    }

    @Override
    public <R> Optional<R> getSecondaryResource(Class<R> type, String eventSourceName) {
        return getSecondaryResources(type).stream().findFirst();
    }

    @Override
    @SuppressWarnings("unchecked")
    public IndexedResourceCache<RewriteJob> getPrimaryCache() {
        return (IndexedResourceCache<RewriteJob>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {IndexedResourceCache.class}, (proxy, method, args) -> {
                    if (method.getName().equals("get")) {
                        ResourceID id = (ResourceID) args[0];
                        return allJobs.stream()
                                .filter(j -> j.getMetadata().getName().equals(id.getName())
                                        && id.getNamespace()
                                                .map(j.getMetadata().getNamespace()::equals)
                                                .orElse(true))
                                .findFirst();
                    }
                    if (method.getName().equals("byIndex") && SharedOutput.BY_OUTPUT.equals(args[0])) {
                        return allJobs.stream()
                                .filter(j -> args[1].equals(SharedOutput.key(j)))
                                .toList();
                    }
                    if (method.getName().equals("byIndex") && SharedOutput.BY_OUTPUT_TREE.equals(args[0])) {
                        return allJobs.stream()
                                .filter(j -> SharedOutput.treeKeys(j).contains(args[1]))
                                .toList();
                    }
                    if (method.getName().equals("byIndex") && UpstreamInput.BY_INPUT.equals(args[0])) {
                        return allJobs.stream()
                                .filter(j -> args[1].equals(UpstreamInput.key(j)))
                                .toList();
                    }
                    if (method.getName().equals("byIndex") && UpstreamInput.BY_INPUT_TREE.equals(args[0])) {
                        return allJobs.stream()
                                .filter(j -> UpstreamInput.treeKeys(j).contains(args[1]))
                                .toList();
                    }
                    if (method.getName().equals("byIndex")) {
                        return allJobs.stream()
                                .filter(j -> (j.getMetadata().getNamespace() + "/"
                                                + j.getSpec().getModelRef().getName())
                                        .equals(args[1]))
                                .toList();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Override
    public KubernetesClient getClient() {
        return client;
    }

    @Override
    public RewriteJob getPrimaryResource() {
        return primary;
    }

    @Override
    public Optional<RetryInfo> getRetryInfo() {
        return Optional.empty();
    }

    @Override
    public ControllerConfiguration<RewriteJob> getControllerConfiguration() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ManagedWorkflowAndDependentResourceContext managedWorkflowAndDependentResourceContext() {
        throw new UnsupportedOperationException();
    }

    @Override
    public EventSourceRetriever<RewriteJob> eventSourceRetriever() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ExecutorService getWorkflowExecutorService() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isNextReconciliationImminent() {
        return false;
    }

    @Override
    public boolean isPrimaryResourceDeleted() {
        return false;
    }

    @Override
    public boolean isPrimaryResourceFinalStateUnknown() {
        return false;
    }
}
