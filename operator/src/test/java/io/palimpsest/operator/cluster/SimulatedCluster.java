package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A Kubernetes cluster in one JVM: the Fabric8 mock API server in CRUD mode (its own, or the one a
 * {@code @QuarkusTest} started), with {@link ValidatingApiServer} in front of it (validation and
 * graceful pod deletion; a {@code @QuarkusTest} installs it with
 * {@code @WithKubernetesTestServer(setup = ValidatingApiServer.class)}), plus the controllers a real cluster would run for our objects —
 * {@link JobController}, {@link Kubelet}, {@link DeploymentController}, {@link ServiceProxies} (kube-proxy)
 * and {@link GarbageCollector} — all reading and writing through the API server only, so the
 * operator under test sees exactly what it would see on a cluster.
 *
 * <pre>
 * try (SimulatedCluster cluster = SimulatedCluster.builder().programs(p -> p.add(...)).start()) {
 *     cluster.client().batch().v1().jobs().resource(job).create();
 *     cluster.kubelet().kill("ns", "pod-0-abcde");
 * }
 * </pre>
 */
public final class SimulatedCluster implements AutoCloseable {

    private final KubernetesMockServer ownServer;
    private final KubernetesClient client;
    private final Clock clock;
    private final EventLog events;
    private final ProgramCatalog programs;
    private final Path root;
    private final JobController jobs;
    private final Kubelet kubelet;
    private final DeploymentController deployments;
    private final ServiceProxies services;
    private final GarbageCollector garbageCollector;
    private final NamespaceController namespaces;

    private SimulatedCluster(Builder b) {
        this.clock = b.clock;
        this.events = new EventLog(clock, b.echoEvents);
        if (b.client == null) {
            ownServer = CrudApiServer.start();
            client = ownServer.createClient();
        } else {
            ownServer = null;
            client = b.client;
        }
        try {
            this.root = b.root != null ? b.root : Files.createTempDirectory("simulated-cluster");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.programs = new ProgramCatalog();
        b.programs.accept(programs);
        if (ownServer != null) {
            ValidatingApiServer.install(ownServer);
        }
        this.jobs = new JobController(client, clock, events, JobSync.Backoff.scaled(b.timeScale));
        this.kubelet = new Kubelet(
                client, clock, events, programs, b.kubelet.apply(root).withTimeScale(b.timeScale), new AddressPool(1));
        this.deployments = new DeploymentController(client, clock, events);
        this.services = new ServiceProxies(client, events, new AddressPool(200));
        this.garbageCollector = new GarbageCollector(client, events);
        this.namespaces = b.namespaceLifecycle ? new NamespaceController(client, events) : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    private SimulatedCluster startAll() {
        BuiltInStatusSubresources.install(client);
        jobs.start();
        kubelet.start();
        deployments.start();
        services.start();
        garbageCollector.start();
        if (namespaces != null) {
            namespaces.start();
        }
        events.record("cluster", "-", "started, files under " + root);
        return this;
    }

    public KubernetesClient client() {
        return client;
    }

    public Clock clock() {
        return clock;
    }

    public EventLog events() {
        return events;
    }

    public ProgramCatalog programs() {
        return programs;
    }

    public Kubelet kubelet() {
        return kubelet;
    }

    public ServiceProxies services() {
        return services;
    }

    public Path root() {
        return root;
    }

    @Override
    public void close() {
        if (namespaces != null) {
            namespaces.close();
        }
        garbageCollector.close();
        services.close();
        deployments.close();
        jobs.close();
        kubelet.close();
        if (ownServer != null) {
            client.close();
            ownServer.destroy();
        }
    }

    public static final class Builder {
        private KubernetesClient client;
        private Clock clock = Clock.systemUTC();
        private boolean echoEvents = Boolean.getBoolean("sim.echo");
        private Path root;
        private Consumer<ProgramCatalog> programs = p -> {};
        private double timeScale = 1.0;
        private Function<Path, Kubelet.Options> kubelet = Kubelet.Options::defaults;
        private boolean namespaceLifecycle;

        private Builder() {}

        /** Use this API server (e.g. the {@code @KubernetesTestServer} of a Quarkus test) instead of starting one. */
        public Builder client(KubernetesClient client) {
            this.client = client;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Print every event as it happens (noisy; for debugging a scenario). */
        public Builder echoEvents(boolean echo) {
            this.echoEvents = echo;
            return this;
        }

        public Builder root(Path root) {
            this.root = root;
            return this;
        }

        public Builder programs(Consumer<ProgramCatalog> programs) {
            this.programs = programs;
            return this;
        }

        /**
         * Scales the durations the cluster takes from Kubernetes: the pod failure backoff (10 s
         * doubling to 10 min) and the termination grace period (a pod's
         * terminationGracePeriodSeconds, 30 s by default). 1 (the default) is a real cluster's
         * timing; scenarios use e.g. 0.05 so a 30 s grace takes 1.5 s and the first retry waits 0.5 s.
         */
        public Builder timeScale(double scale) {
            this.timeScale = scale;
            return this;
        }

        public Builder kubelet(Function<Path, Kubelet.Options> options) {
            this.kubelet = options;
            return this;
        }

        /**
         * Runs the {@link NamespaceController}: a deleted Namespace is emptied, then goes. Off by
         * default (a deleted namespace then stays Terminating).
         */
        public Builder namespaceLifecycle() {
            this.namespaceLifecycle = true;
            return this;
        }

        public SimulatedCluster start() {
            return new SimulatedCluster(this).startAll();
        }
    }
}
