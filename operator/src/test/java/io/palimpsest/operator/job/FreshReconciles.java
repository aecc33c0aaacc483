package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * RewriteJobs reconciled by hand against the mock API server, as in {@link OperatorRestartTest}: each
 * reconcile is a fresh reconciler on a fresh read of the server ({@link SnapshotContext}), so a test
 * decides exactly when the operator looks, and the test plays the Job controller ({@link JobControllerMoves}).
 */
final class FreshReconciles {
    static final String NS = "test";
    final KubernetesClient client;
    final MutableClock clock;

    FreshReconciles(KubernetesClient client, MutableClock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** The committed CRDs, and a RewriterModel the jobs name. */
    void install(String model) throws IOException {
        try (var crd = new FileInputStream("../crds/rewritejobs.palimpsest.io-v1.yml");
                var modelCrd = new FileInputStream("../crds/rewritermodels.palimpsest.io-v1.yml")) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).create();
            client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .load(modelCrd)
                    .create();
        }
        model(model);
    }

    void model(String name) {
        RewriterModel model = new RewriterModel();
        model.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        RewriterModelSpec spec = new RewriterModelSpec();
        spec.setModel("org/" + name);
        model.setSpec(spec);
        client.resource(model).create();
    }

    /** A job on {@code model} with 4 workers, 3 attempts per shard and at most 1 shard failed for good. */
    static RewriteJob job(String name, String model) {
        RewriteJob job = TestJobs.job(name, "s3://corpus/in", "s3://corpus/out-" + name);
        job.getSpec().getModelRef().setName(model);
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setParallelism(new IntOrString(4));
        job.getSpec().setWorkers(workers);
        RewriteJobSpec.Retry retry = new RewriteJobSpec.Retry();
        retry.setAttemptsPerShard(3);
        retry.setMaxFailedShards(1);
        job.getSpec().setRetry(retry);
        return job;
    }

    void reconcile(String name) {
        FreshReconcile.of(client, NS, name, clock, TestSettings.config("ghcr.io/palimpsest/worker:test"));
    }

    RewriteJobStatus status(String name) {
        return client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName(name)
                .get()
                .getStatus();
    }

    /** A spec edit, as {@code kubectl edit} makes it (the API server checks it against the CRD, as the test installed it). */
    void edit(String name, Consumer<RewriteJobSpec> edit) {
        JobControllerMoves.retryOnConflict(() -> client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName(name)
                .edit(j -> {
                    edit.accept(j.getSpec());
                    return j;
                }));
    }
}
