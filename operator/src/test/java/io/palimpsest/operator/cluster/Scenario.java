package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.job.RewriteJobReconciler;
import io.palimpsest.operator.job.progress.LiveProgress;
import io.palimpsest.operator.job.progress.WorkerProgressScraper;
import io.palimpsest.operator.metrics.JobMetrics;
import io.palimpsest.operator.model.autoscale.PodAddressResolver;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.sim.SimConfig;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ClientProxy;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * What every end-to-end scenario needs: the simulated cluster on the operator's API server with
 * the programs of our images (worker, vLLM, weight download), manifests from {@code examples/}
 * pointed at a scratch directory, and waiting on RewriteJob phases.
 */
final class Scenario implements AutoCloseable {

    static final String NS = "test";
    /**
     * Kubernetes' own durations at 1/20: a 30 s termination grace takes 1.5 s, the pod failure
     * backoff starts at 0.5 s and doubles to at most 30 s.
     */
    static final double TIME_SCALE = 0.05;

    final SimulatedCluster cluster;
    final KubernetesClient client;
    final ModelSimProgram models;
    final PalimpsestWorkerProgram workers;
    final Path work;
    /** What a worker container runs: the worker program, or what a test put around it ({@link #aroundWorkers}). */
    private volatile ContainerProgram workerContainers;

    Scenario(KubernetesClient apiServer, PalimpsestWorkerProgram.Mode mode, Supplier<SimConfig.Builder> replica)
            throws IOException {
        this(apiServer, mode, replica, b -> {});
    }

    /**
     * @param options more of the cluster's options (e.g. {@code SimulatedCluster.Builder::namespaceLifecycle}), or
     *                another time scale than {@link #TIME_SCALE}
     */
    Scenario(
            KubernetesClient apiServer,
            PalimpsestWorkerProgram.Mode mode,
            Supplier<SimConfig.Builder> replica,
            Consumer<SimulatedCluster.Builder> options)
            throws IOException {
        this.work = Files.createTempDirectory("scenario");
        // in-process workers read the test JVM's environment, not their pod's: they cannot send the model's key
        this.models = new ModelSimProgram(replica, mode != PalimpsestWorkerProgram.Mode.IN_PROCESS);
        SimulatedCluster.Builder builder = SimulatedCluster.builder().timeScale(TIME_SCALE);
        options.accept(builder); // may set another time scale
        this.cluster = builder.client(apiServer)
                .root(work.resolve("cluster"))
                .programs(p -> p.add(
                                "palimpsest worker",
                                ProgramCatalog.imageContains("palimpsest/worker"),
                                l -> workerContainers.start(l))
                        .add(
                                "weights download",
                                l -> List.of("hf", "aws").contains(l.commandName()),
                                ScriptedProgram.exits(0))
                        .add("vLLM", ProgramCatalog.command("vllm"), models))
                .start();
        this.workers = new PalimpsestWorkerProgram(
                PalimpsestWorkerProgram.defaultJar(),
                mode,
                cluster.services()::rewriteHosts,
                work.resolve("cluster").resolve("volumes"));
        this.workerContainers = workers;
        this.client = cluster.client();
    }

    /**
     * Worker containers run {@code around} from now on, handed the worker program (a test that ends some of them
     * otherwise than the worker would, say killed after it committed); {@code null} puts the worker program back.
     */
    void aroundWorkers(UnaryOperator<ContainerProgram> around) {
        this.workerContainers = around == null ? workers : around.apply(workers);
    }

    /** A second RewriteJob reconciler wired with the application's beans, as another operator instance has it. */
    static RewriteJobReconciler freshJobReconciler() {
        return new RewriteJobReconciler(
                bean(Clock.class),
                bean(ConditionAggregator.class),
                bean(JobSettings.class),
                bean(PalimpsestConfig.class),
                bean(LiveProgress.class),
                bean(WorkerProgressScraper.class),
                bean(JobMetrics.class),
                bean(PodAddressResolver.class));
    }

    private static <T> T bean(Class<T> type) {
        return ClientProxy.unwrap(Arc.container().instance(type).get());
    }

    /** A client of its own to the server {@code other} talks to. */
    static KubernetesClient clientLike(KubernetesClient other) {
        return new KubernetesClientBuilder()
                .withConfig(other.getConfiguration())
                .build();
    }

    /** The directory standing for claim {@code name} of the scenario namespace (created with its PVC object). */
    Path claim(String name) throws IOException {
        if (client.persistentVolumeClaims().inNamespace(NS).withName(name).get() == null) {
            client.persistentVolumeClaims()
                    .inNamespace(NS)
                    .resource(new PersistentVolumeClaimBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .endMetadata()
                            .withNewSpec()
                            .withAccessModes("ReadWriteMany")
                            .withNewResources()
                            .addToRequests("storage", new Quantity("10Gi"))
                            .endResources()
                            .endSpec()
                            .build())
                    .create();
        }
        return Files.createDirectories(
                work.resolve("cluster").resolve("volumes").resolve(NS).resolve(name));
    }

    static boolean workerJarPresent() {
        return Files.isRegularFile(PalimpsestWorkerProgram.defaultJar());
    }

    <T extends HasMetadata> T load(Class<T> type, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            T object = client.getKubernetesSerialization().unmarshal(in, type);
            object.getMetadata().setNamespace(NS);
            return object;
        }
    }

    /**
     * The quickstart model renamed, scaling from zero: {@code periodSeconds} between autoscaler
     * decisions and {@code idleToZeroSeconds} before it returns to zero (scaled down from the
     * defaults of 15 s and 600 s so scenarios take seconds, not minutes).
     */
    RewriterModel createModel(String name, int periodSeconds, int idleToZeroSeconds) throws IOException {
        return client.resource(modelLike(name, periodSeconds, idleToZeroSeconds))
                .create();
    }

    /** The model {@link #createModel} makes, not yet created (a scenario changes it first). */
    RewriterModel modelLike(String name, int periodSeconds, int idleToZeroSeconds) throws IOException {
        RewriterModel model = load(RewriterModel.class, Path.of("../examples/quickstart/model.yaml"));
        model.getMetadata().setName(name);
        model.getSpec().getAutoscaling().setPeriodSeconds(periodSeconds);
        model.getSpec().getAutoscaling().setIdleToZeroSeconds(idleToZeroSeconds);
        return model;
    }

    /** The quickstart model renamed, held at one replica (no scaling in the way of what a scenario looks at). */
    RewriterModel createOneReplicaModel(String name) throws IOException {
        RewriterModel model = load(RewriterModel.class, Path.of("../examples/quickstart/model.yaml"));
        model.getMetadata().setName(name);
        model.getSpec().getReplicas().setMin(1);
        model.getSpec().getReplicas().setMax(1);
        return client.resource(model).create();
    }

    /**
     * The quickstart job with one prompt instead of two and no validators that depend on the
     * simulator's wording, over {@code input} (one file per shard), not yet created.
     */
    RewriteJob smallJob(String name, String model, String input, String output) throws IOException {
        RewriteJob job = load(RewriteJob.class, Path.of("../examples/quickstart/job.yaml"));
        job.getMetadata().setName(name);
        job.getSpec().getModelRef().setName(model);
        job.getSpec().getInput().setUri(input);
        job.getSpec().getOutput().setUri(output);
        job.getSpec().getOutput().setCompression(RewriteJobSpec.Compression.none);
        job.getSpec()
                .getRecipe()
                .getPrompts()
                .subList(1, job.getSpec().getRecipe().getPrompts().size())
                .clear();
        job.getSpec().getRecipe().getPrompts().get(0).getSampling().setMaxTokens(256);
        job.getSpec().getRecipe().getValidators().clear();
        return job;
    }

    RewriteJob job(String name) {
        return client.resources(RewriteJob.class).inNamespace(NS).withName(name).get();
    }

    RewriterModel model(String name) {
        return client.resources(RewriterModel.class)
                .inNamespace(NS)
                .withName(name)
                .get();
    }

    RewriteJob awaitPhase(String name, JobPhase phase, Duration atMost) {
        try {
            return await().atMost(atMost)
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> job(name),
                            j -> j != null
                                    && j.getStatus() != null
                                    && j.getStatus().getPhase() == phase);
        } catch (RuntimeException e) {
            System.out.println(
                    "---- events of the last 60 s\n" + cluster.events().dump(Duration.ofSeconds(60)));
            RewriteJob j = job(name);
            System.out.println("---- status "
                    + (j == null ? null : client.getKubernetesSerialization().asYaml(j.getStatus())));
            throw e;
        }
    }

    /** {@code palimpsest local} from the same jar, in-process: the reference run outputs are compared with. */
    int runLocal(String... args) throws Exception {
        URLClassLoader loader = PalimpsestWorkerProgram.sharedCli();
        Method execute =
                loader.loadClass("io.palimpsest.worker.cli.PalimpsestCli").getMethod("execute", String[].class);
        Thread current = Thread.currentThread();
        ClassLoader before = current.getContextClassLoader();
        current.setContextClassLoader(loader);
        try {
            return (Integer) execute.invoke(null, (Object) args);
        } finally {
            current.setContextClassLoader(before);
        }
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    /**
     * Scenarios share the Quarkus app's API server: what one leaves behind (a model at min replicas,
     * a finished job) would be picked up by the next one's controllers, so it is deleted first.
     */
    @Override
    public void close() {
        try {
            client.resources(RewriteJob.class).inNamespace(NS).delete();
            client.resources(RewriterModel.class).inNamespace(NS).delete();
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> client.resources(RewriteJob.class)
                                    .inNamespace(NS)
                                    .list()
                                    .getItems()
                                    .isEmpty()
                            && client.resources(RewriterModel.class)
                                    .inNamespace(NS)
                                    .list()
                                    .getItems()
                                    .isEmpty());
            client.batch().v1().jobs().inNamespace(NS).delete();
            client.apps().deployments().inNamespace(NS).delete();
            client.pods().inNamespace(NS).delete();
        } catch (RuntimeException e) {
            System.out.println("scenario clean-up incomplete: " + e);
        } finally {
            cluster.close();
        }
    }
}
