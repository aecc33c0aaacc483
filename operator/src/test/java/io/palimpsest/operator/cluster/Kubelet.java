package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The one node of the simulated cluster. It binds every unscheduled pod to itself, gives it a
 * loopback address of its own, prepares its files ({@link PodSandbox}) and environment
 * ({@link PodEnvironment}), runs its first container with the program the {@link ProgramCatalog}
 * picks, and reports what a kubelet reports: phase Pending -> Running -> Succeeded/Failed, the
 * container's state and exit code, its termination message ({@code terminationMessagePath}, at most
 * 4096 bytes, or the log's tail with FallbackToLogsOnError), readiness from an httpGet
 * readinessProbe (or at start when there is none), restarts for restartPolicy Always/OnFailure.
 * <p>
 * Deleting a pod terminates its container (SIGTERM, then SIGKILL after the grace period, scaled by
 * {@code timeScale}); the pod reports its terminal phase (Succeeded if the container exited 0, else
 * Failed), and the kubelet then lets the API server remove it ({@link ValidatingApiServer} keeps a
 * deleted pod Terminating until then, as a real API server does). Chaos on demand: {@link #kill}
 * (SIGKILL, exit 137), {@link #oomKill} (exit 137, reason OOMKilled), {@link #disrupt} (condition
 * DisruptionTarget=True, then a graceful delete, as preemption or eviction does).
 * <p>
 * Simplifications: one container per pod (others, init containers and sidecars are ignored);
 * probes run every {@code probePeriod} instead of their periodSeconds; no liveness probes; no
 * resource accounting; images are never pulled.
 */
public final class Kubelet implements AutoCloseable {

    public static final String NODE_NAME = "sim-node";
    static final int MAX_MESSAGE_BYTES = 4096;
    private static final int FALLBACK_LOG_BYTES = 2048;
    private static final int FALLBACK_LOG_LINES = 80;

    /** Settings; durations are wall time. */
    /** @param timeScale multiplies termination grace periods (1 = as written in the pod) */
    public record Options(
            Path root,
            String hostIp,
            Duration probePeriod,
            double timeScale,
            Duration restartDelay,
            boolean keepSandboxes) {
        public static Options defaults(Path root) {
            return new Options(root, "127.0.0.1", Duration.ofMillis(200), 1.0, Duration.ofMillis(200), true);
        }

        public Options withTimeScale(double scale) {
            return new Options(root, hostIp, probePeriod, scale, restartDelay, keepSandboxes);
        }
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final EventLog log;
    private final ProgramCatalog catalog;
    private final Options options;
    private final AddressPool podAddresses;
    private final Map<String, PodRuntime> runtimes = new ConcurrentHashMap<>();
    private final ControlLoop loop;
    private final ChangeFeed feed = new ChangeFeed();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "sim-kubelet-timers");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    Kubelet(
            KubernetesClient client,
            Clock clock,
            EventLog log,
            ProgramCatalog catalog,
            Options options,
            AddressPool podAddresses) {
        this.client = client;
        this.clock = clock;
        this.log = log;
        this.catalog = catalog;
        this.options = options;
        this.podAddresses = podAddresses;
        this.loop = new ControlLoop("kubelet", this::pass, Duration.ofMillis(500), Duration.ofMillis(10), log);
    }

    void start() {
        feed.watch(client.pods().inAnyNamespace(), p -> loop.kick());
        loop.start();
        timers.scheduleWithFixedDelay(
                this::probeAll,
                options.probePeriod().toMillis(),
                options.probePeriod().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** SIGKILL the pod's container: exit 137, no clean-up. False if it is not running. */
    public boolean kill(String namespace, String pod) {
        return signal(namespace, pod, rt -> rt.running.kill(), "killed (SIGKILL)");
    }

    /** As {@link #kill}, reported as the kernel's OOM killer would be (reason OOMKilled). */
    public boolean oomKill(String namespace, String pod) {
        return signal(
                namespace,
                pod,
                rt -> {
                    rt.oomKilled = true;
                    rt.running.kill();
                },
                "OOM-killed");
    }

    /**
     * Preemption or eviction: the pod gets the condition DisruptionTarget=True with {@code reason}
     * (e.g. PreemptionByScheduler, EvictionByEvictionAPI, TerminationByKubelet) and is then deleted
     * gracefully; its container gets SIGTERM.
     */
    public boolean disrupt(String namespace, String pod, String reason) {
        PodRuntime rt = find(namespace, pod);
        if (rt == null || rt.exitCode != null) {
            return false;
        }
        rt.disruptionReason = reason;
        log.record("kubelet", namespace + "/" + pod, "disrupted: " + reason);
        loop.kick();
        return true;
    }

    /** Pods whose container is running now, as namespace/name. */
    public List<String> runningPods() {
        return runtimes.values().stream()
                .filter(rt -> rt.running != null && rt.exitCode == null)
                .map(rt -> rt.namespace + "/" + rt.name)
                .sorted()
                .toList();
    }

    /** The loopback address given to a pod, if it has one. */
    public Optional<String> podIp(String namespace, String pod) {
        return Optional.ofNullable(find(namespace, pod)).map(rt -> rt.podIp);
    }

    private boolean signal(String namespace, String pod, Consumer<PodRuntime> action, String what) {
        PodRuntime rt = find(namespace, pod);
        if (rt == null || rt.running == null || rt.exitCode != null) {
            return false;
        }
        log.record("kubelet", namespace + "/" + pod, what);
        action.accept(rt);
        return true;
    }

    private PodRuntime find(String namespace, String pod) {
        return runtimes.values().stream()
                .filter(rt -> rt.namespace.equals(namespace) && rt.name.equals(pod))
                .findFirst()
                .orElse(null);
    }

    private void pass() {
        List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
        Set<String> present = new HashSet<>();
        for (Pod pod : pods) {
            String node = pod.getSpec().getNodeName();
            if (node != null && !node.equals(NODE_NAME)) {
                continue;
            }
            present.add(pod.getMetadata().getUid());
            try {
                syncPod(pod);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 409) {
                    throw e;
                }
                loop.kick();
            }
        }
        for (PodRuntime rt : List.copyOf(runtimes.values())) {
            if (!present.contains(rt.uid)) {
                forget(rt);
            }
        }
    }

    private void syncPod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        PodRuntime rt = runtimes.get(uid);
        boolean deleting = pod.getMetadata().getDeletionTimestamp() != null;
        if (rt == null) {
            if (JobSync.isTerminal(pod)) {
                return;
            }
            rt = new PodRuntime(pod, clock.instant());
            runtimes.put(uid, rt);
            if (pod.getSpec().getNodeName() == null) {
                client.pods().inNamespace(rt.namespace).withName(rt.name).edit(p -> {
                    p.getSpec().setNodeName(NODE_NAME);
                    return p;
                });
            }
            if (deleting) {
                rt.exitCode = ContainerProgram.SIGKILL_EXIT;
                rt.terminatedReason = "ContainerStatusUnknown";
                rt.finishedAt = clock.instant();
            }
        }
        if (rt.running == null && rt.exitCode == null && !deleting) {
            tryStart(pod, rt);
        }
        if (deleting && rt.running != null && rt.exitCode == null && !rt.terminating) {
            terminate(pod, rt);
        }
        if (rt.exitCode != null && !deleting && rt.restartAt == null && restarts(pod, rt.exitCode)) {
            rt.restartAt = clock.instant().plus(options.restartDelay());
            timers.schedule(loop::kick, options.restartDelay().toMillis(), TimeUnit.MILLISECONDS);
        }
        if (rt.restartAt != null && !clock.instant().isBefore(rt.restartAt) && !deleting) {
            rt.restart();
            tryStart(pod, rt);
        }
        PodStatus status = statusOf(pod, rt);
        String json = Serialization.asJson(status);
        if (!json.equals(rt.lastWritten)) {
            // A whole-status write (PUT .../status): merge patches keep stale keys such as state.running.
            Pod update = new Pod();
            update.setApiVersion("v1");
            update.setKind("Pod");
            update.setMetadata(pod.getMetadata());
            update.setSpec(pod.getSpec());
            update.setStatus(status);
            client.pods().inNamespace(rt.namespace).resource(update).updateStatus();
            rt.lastWritten = json;
        }
        if (deleting && rt.exitCode != null) {
            confirmDeletion(pod, rt);
        }
        if (rt.disruptionReason != null && !rt.disruptionDeleteIssued) {
            rt.disruptionDeleteIssued = true;
            client.pods().inNamespace(rt.namespace).withName(rt.name).delete();
        }
    }

    private void tryStart(Pod pod, PodRuntime rt) {
        Container container = pod.getSpec().getContainers().get(0);
        try {
            Map<String, String> env = PodEnvironment.resolve(client, pod, container, rt.podIp, options.hostIp());
            if (rt.sandbox == null) {
                rt.sandbox = PodSandbox.prepare(
                        client,
                        pod,
                        container,
                        options.root().resolve("pods"),
                        options.root().resolve("volumes"),
                        log);
            } else {
                Files.write(rt.sandbox.terminationMessageFile(), new byte[0]);
            }
            Map<String, String> mappedEnv = new LinkedHashMap<>();
            env.forEach((k, v) -> mappedEnv.put(k, rt.sandbox.rewrite(v)));
            List<String> argv = PodEnvironment.argv(container, env).stream()
                    .map(rt.sandbox::rewrite)
                    .toList();
            Map<String, Integer> ports = new LinkedHashMap<>();
            for (ContainerPort p : Optional.ofNullable(container.getPorts()).orElse(List.of())) {
                ports.put(
                        p.getName() == null ? String.valueOf(p.getContainerPort()) : p.getName(), p.getContainerPort());
            }
            ContainerLaunch launch = new ContainerLaunch(
                    rt.namespace,
                    rt.name,
                    container.getName(),
                    container.getImage(),
                    argv,
                    mappedEnv,
                    rt.podIp,
                    ports,
                    rt.sandbox);
            Optional<ContainerProgram> program = catalog.find(launch);
            if (program.isEmpty()) {
                rt.waiting(
                        "ErrImagePull",
                        "no program for image " + container.getImage() + " / command " + argv
                                + " in the simulated cluster");
                return;
            }
            rt.readiness = Optional.ofNullable(container.getReadinessProbe())
                    .map(Probe::getHttpGet)
                    .orElse(null);
            rt.readinessPorts = ports;
            rt.running = program.get().start(launch);
            rt.startedAt = clock.instant();
            rt.ready = rt.readiness == null;
            rt.readyChangedAt = rt.startedAt;
            rt.waitingReason = null;
            log.record(
                    "kubelet",
                    rt.namespace + "/" + rt.name,
                    "started " + container.getImage() + " " + argv + " on " + rt.podIp);
            PodRuntime started = rt;
            rt.running.exit().whenComplete((code, error) -> {
                started.exited(
                        error != null ? 128 : code,
                        clock.instant(),
                        pod.getSpec().getContainers().get(0));
                log.record(
                        "kubelet",
                        started.namespace + "/" + started.name,
                        "exited " + started.exitCode + " (" + started.terminatedReason + ")");
                loop.kick();
            });
        } catch (PodSandbox.MissingReference e) {
            rt.waiting("CreateContainerConfigError", e.getMessage());
        } catch (Exception e) {
            rt.waiting("RunContainerError", e.toString());
            log.record("kubelet", rt.namespace + "/" + rt.name, "could not start: " + e);
        }
    }

    /**
     * Graceful termination: SIGTERM now, SIGKILL when the grace period (the delete's, else the
     * pod's terminationGracePeriodSeconds, 30 s by default; times the time scale) is over.
     */
    private void terminate(Pod pod, PodRuntime rt) {
        rt.terminating = true;
        log.record("kubelet", rt.namespace + "/" + rt.name, "SIGTERM");
        rt.running.terminate();
        Long deleteGrace = pod.getMetadata().getDeletionGracePeriodSeconds();
        long grace = deleteGrace != null
                ? deleteGrace
                : Optional.ofNullable(pod.getSpec().getTerminationGracePeriodSeconds())
                        .orElse(30L);
        long millis = Math.round(grace * 1000 * options.timeScale());
        ContainerProgram.Running running = rt.running;
        timers.schedule(
                () -> {
                    if (rt.exitCode == null) {
                        log.record("kubelet", rt.namespace + "/" + rt.name, "grace period over: SIGKILL");
                        running.kill();
                    }
                },
                millis,
                TimeUnit.MILLISECONDS);
    }

    /** The node's last word on a deleted pod whose container has stopped: the API server may now remove it. */
    private void confirmDeletion(Pod pod, PodRuntime rt) {
        List<String> finalizers = pod.getMetadata().getFinalizers();
        if (finalizers == null || !finalizers.contains(ValidatingApiServer.GRACEFUL_FINALIZER)) {
            return;
        }
        client.pods().inNamespace(rt.namespace).withName(rt.name).edit(p -> {
            p.getMetadata().getFinalizers().remove(ValidatingApiServer.GRACEFUL_FINALIZER);
            return p;
        });
    }

    private static boolean restarts(Pod pod, int exitCode) {
        String policy = Optional.ofNullable(pod.getSpec().getRestartPolicy()).orElse("Always");
        return policy.equals("Always") || (policy.equals("OnFailure") && exitCode != 0);
    }

    private void forget(PodRuntime rt) {
        runtimes.remove(rt.uid);
        if (rt.running != null && rt.exitCode == null) {
            rt.running.kill();
            log.record("kubelet", rt.namespace + "/" + rt.name, "pod deleted, container killed");
        }
        if (rt.sandbox != null && !options.keepSandboxes()) {
            rt.sandbox.delete();
        }
    }

    private void probeAll() {
        for (PodRuntime rt : runtimes.values()) {
            if (rt.running == null || rt.exitCode != null || rt.readiness == null) {
                continue;
            }
            boolean ok = probe(rt);
            if (ok != rt.ready) {
                rt.ready = ok;
                rt.readyChangedAt = clock.instant();
                log.record("kubelet", rt.namespace + "/" + rt.name, ok ? "ready" : "not ready");
                loop.kick();
            }
        }
    }

    private boolean probe(PodRuntime rt) {
        HTTPGetAction get = rt.readiness;
        Integer port = get.getPort().getIntVal() != null
                ? get.getPort().getIntVal()
                : rt.readinessPorts.get(get.getPort().getStrVal());
        if (port == null) {
            return false;
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + rt.podIp + ":" + port
                            + Optional.ofNullable(get.getPath()).orElse("/")))
                    .timeout(Duration.ofSeconds(1))
                    .GET()
                    .build();
            int code =
                    http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return code >= 200 && code < 400;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private PodStatus statusOf(Pod pod, PodRuntime rt) {
        Container container = pod.getSpec().getContainers().get(0);
        boolean restarting = rt.exitCode != null && rt.restartAt != null;
        boolean finished = rt.exitCode != null && !restarting;
        String phase = finished
                ? (rt.exitCode == 0 ? "Succeeded" : "Failed")
                : rt.running != null || restarting ? "Running" : "Pending";
        boolean ready = !finished && !restarting && rt.running != null && rt.ready;
        String created = K8sTime.format(rt.createdAt);
        PodStatus s = new PodStatus();
        s.setPhase(phase);
        s.setHostIP(options.hostIp());
        s.setHostIPs(List.of(new HostIP(options.hostIp())));
        s.setPodIP(rt.podIp);
        s.setPodIPs(List.of(new PodIP(rt.podIp)));
        s.setStartTime(created);
        s.setQosClass("BestEffort");
        List<PodCondition> conditions = new ArrayList<>();
        if (rt.disruptionReason != null) {
            conditions.add(condition(
                    "DisruptionTarget",
                    "True",
                    rt.disruptionReason,
                    "Simulated disruption: " + rt.disruptionReason,
                    rt.createdAt));
        }
        conditions.add(condition("PodReadyToStartContainers", "True", null, null, rt.createdAt));
        conditions.add(condition("Initialized", "True", null, null, rt.createdAt));
        String readyReason = finished ? "PodCompleted" : ready ? null : "ContainersNotReady";
        Instant readyAt = rt.readyChangedAt != null ? rt.readyChangedAt : rt.createdAt;
        conditions.add(condition("Ready", ready ? "True" : "False", readyReason, null, readyAt));
        conditions.add(condition("ContainersReady", ready ? "True" : "False", readyReason, null, readyAt));
        conditions.add(condition("PodScheduled", "True", null, null, rt.createdAt));
        s.setConditions(conditions);

        ContainerState state;
        if (rt.exitCode != null) {
            state = new ContainerStateBuilder()
                    .withNewTerminated()
                    .withExitCode(rt.exitCode)
                    .withReason(rt.terminatedReason)
                    .withMessage(rt.message)
                    .withStartedAt(rt.startedAt == null ? null : K8sTime.format(rt.startedAt))
                    .withFinishedAt(K8sTime.format(rt.finishedAt))
                    .withContainerID(rt.containerId())
                    .endTerminated()
                    .build();
        } else if (rt.running != null) {
            state = new ContainerStateBuilder()
                    .withNewRunning()
                    .withStartedAt(K8sTime.format(rt.startedAt))
                    .endRunning()
                    .build();
        } else {
            state = new ContainerStateBuilder()
                    .withNewWaiting()
                    .withReason(Optional.ofNullable(rt.waitingReason).orElse("ContainerCreating"))
                    .withMessage(rt.waitingMessage)
                    .endWaiting()
                    .build();
        }
        ContainerStatus cs = new ContainerStatusBuilder()
                .withName(container.getName())
                .withImage(container.getImage())
                .withImageID("sim://" + container.getImage())
                .withContainerID(rt.running == null ? null : rt.containerId())
                .withReady(ready)
                .withStarted(rt.running != null && rt.exitCode == null)
                .withRestartCount(rt.restartCount)
                .withState(state)
                .withLastState(rt.lastState)
                .build();
        s.setContainerStatuses(List.of(cs));
        return s;
    }

    private static PodCondition condition(String type, String status, String reason, String message, Instant at) {
        PodCondition c = new PodCondition();
        c.setType(type);
        c.setStatus(status);
        c.setReason(reason);
        c.setMessage(message);
        c.setLastTransitionTime(K8sTime.format(at));
        return c;
    }

    @Override
    public void close() {
        feed.close();
        loop.close();
        timers.shutdownNow();
        for (PodRuntime rt : runtimes.values()) {
            if (rt.running != null && rt.exitCode == null) {
                rt.running.kill();
            }
        }
        runtimes.clear();
    }

    /** What the node knows of one pod; fields are written by the loop and read by the prober. */
    private final class PodRuntime {
        final String uid;
        final String namespace;
        final String name;
        final String podIp;
        final Instant createdAt;
        PodSandbox sandbox;
        volatile ContainerProgram.Running running;
        HTTPGetAction readiness;
        Map<String, Integer> readinessPorts = Map.of();
        Instant startedAt;
        volatile Integer exitCode;
        Instant finishedAt;
        String terminatedReason;
        String message;
        int restartCount;
        Instant restartAt;
        ContainerState lastState;
        volatile boolean ready;
        volatile Instant readyChangedAt;
        String waitingReason;
        String waitingMessage;
        boolean terminating;
        volatile boolean oomKilled;
        volatile String disruptionReason;
        boolean disruptionDeleteIssued;
        String lastWritten;

        PodRuntime(Pod pod, Instant now) {
            this.uid = pod.getMetadata().getUid();
            this.namespace = pod.getMetadata().getNamespace();
            this.name = pod.getMetadata().getName();
            this.podIp = podAddresses.next();
            this.createdAt = now;
        }

        String containerId() {
            return "sim://" + uid.substring(0, 8) + "-" + restartCount;
        }

        void waiting(String reason, String message) {
            if (!reason.equals(waitingReason)) {
                log.record("kubelet", namespace + "/" + name, reason + ": " + message);
            }
            waitingReason = reason;
            waitingMessage = message;
        }

        synchronized void exited(int code, Instant at, Container container) {
            if (exitCode != null) {
                return;
            }
            finishedAt = at;
            terminatedReason = oomKilled ? "OOMKilled" : code == 0 ? "Completed" : "Error";
            message = terminationMessage(code, container);
            ready = false;
            exitCode = code;
        }

        void restart() {
            lastState = new ContainerStateBuilder()
                    .withNewTerminated()
                    .withExitCode(exitCode)
                    .withReason(terminatedReason)
                    .withMessage(message)
                    .withFinishedAt(K8sTime.format(finishedAt))
                    .endTerminated()
                    .build();
            restartCount++;
            running = null;
            exitCode = null;
            finishedAt = null;
            restartAt = null;
            oomKilled = false;
            terminating = false;
        }

        private String terminationMessage(int code, Container container) {
            try {
                byte[] bytes = Files.exists(sandbox.terminationMessageFile())
                        ? Files.readAllBytes(sandbox.terminationMessageFile())
                        : new byte[0];
                if (bytes.length == 0
                        && code != 0
                        && "FallbackToLogsOnError".equals(container.getTerminationMessagePolicy())
                        && Files.exists(sandbox.logFile())) {
                    return logTail(Files.readAllBytes(sandbox.logFile()));
                }
                if (bytes.length == 0) {
                    return null;
                }
                return new String(
                        Arrays.copyOf(bytes, Math.min(bytes.length, MAX_MESSAGE_BYTES)), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return null;
            }
        }
    }

    static String logTail(byte[] log) {
        String text = new String(log, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        int from = Math.max(0, lines.length - FALLBACK_LOG_LINES);
        String tail = String.join("\n", Arrays.asList(lines).subList(from, lines.length));
        byte[] bytes = tail.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= FALLBACK_LOG_BYTES) {
            return tail;
        }
        return new String(bytes, bytes.length - FALLBACK_LOG_BYTES, FALLBACK_LOG_BYTES, StandardCharsets.UTF_8);
    }
}
