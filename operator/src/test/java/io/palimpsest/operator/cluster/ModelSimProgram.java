package io.palimpsest.operator.cluster;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.SimFlags;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The vLLM image: {@code vllm serve <model> --served-model-name .. --max-num-seqs .. --port 8000}
 * becomes a {@link ModelSimServer} listening on the pod's own address. The flags the simulator
 * shares with vLLM (served model name, max-num-seqs, max-model-len, seed, port, api key) are taken from the
 * command line, the API key also from the environment's {@code VLLM_API_KEY} as vLLM reads it; latency and the model-load time come from the harness's template, since no pod spec
 * says how long a GPU takes to load weights. The server refuses connections during the load, as
 * vLLM does, so the kubelet's readiness probe turns the pod ready when loading is over. On SIGTERM it
 * drains as vLLM's HTTP server does: the requests it holds run to their end, new ones are refused
 * ({@link ModelSimServer#drain}), and the kubelet's SIGKILL at the end of the grace period cuts it short.
 * <p>
 * Runs in-process: one more server is a few objects on a shared event loop, and a test can reach
 * each replica ({@link #server}) to pause it, slow it or read its request log.
 */
public final class ModelSimProgram implements ContainerProgram {

    private final Supplier<SimConfig.Builder> template;
    /**
     * Whether the replica asks the key its pod's environment gives it (VLLM_API_KEY). Not when the workers run
     * in-process: a thread of the test JVM reads the test JVM's environment, never its pod's, so it could not
     * send the key the operator gives its pod.
     */
    private final boolean keyFromEnvironment;

    private final Map<String, ModelSimServer> servers = new ConcurrentHashMap<>();

    /** @param template the replica's latency profile and startup delay; flags from the pod override it */
    public ModelSimProgram(Supplier<SimConfig.Builder> template) {
        this(template, true);
    }

    /**
     * @param keyFromEnvironment false where the workers cannot read their pod's environment (in-process workers):
     *                           the operator's key in VLLM_API_KEY is then not asked; an {@code --api-key} flag is
     */
    public ModelSimProgram(Supplier<SimConfig.Builder> template, boolean keyFromEnvironment) {
        this.template = template;
        this.keyFromEnvironment = keyFromEnvironment;
    }

    /** Zero latency, ready after {@code startup}. */
    public static ModelSimProgram fast(Duration startup) {
        return new ModelSimProgram(() -> SimConfig.builder().zeroLatency().startupDelay(startup));
    }

    @Override
    public Running start(ContainerLaunch launch) {
        SimConfig.Builder config = template.get();
        int port = launch.ports().getOrDefault("http", 8000);
        List<String> argv = launch.argv();
        // vLLM's key: --api-key, else the environment's VLLM_API_KEY (the operator's, from the model's Secret)
        String envKey = launch.env().get(SimFlags.API_KEY_ENV);
        if (keyFromEnvironment && envKey != null && !envKey.isEmpty()) {
            config.apiKey(envKey);
        }
        // vLLM's HTTP server waits for open requests on SIGTERM (until the kubelet's SIGKILL), and from
        // 0.18 on, --shutdown-timeout bounds that wait (0: abort them at once)
        Duration drain = Duration.ofDays(1);
        for (int i = 0; i < argv.size() - 1; i++) {
            String value = argv.get(i + 1);
            switch (argv.get(i)) {
                case "--served-model-name" -> config.modelName(value);
                case "--max-num-seqs" -> config.maxNumSeqs(Integer.parseInt(value));
                case "--max-model-len" -> config.maxModelLen(Integer.parseInt(value));
                case "--seed" -> config.seed(Long.parseLong(value));
                case "--port" -> port = Integer.parseInt(value);
                case "--api-key" -> config.apiKey(value);
                case "--shutdown-timeout" -> drain = Duration.ofSeconds(Long.parseLong(value));
                default -> {}
            }
        }
        ModelSimServer server = ModelSimServer.start(config.build(), launch.podIp(), port);
        String key = launch.namespace() + "/" + launch.pod();
        servers.put(key, server);
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        IntConsumer stop = code -> {
            servers.remove(key, server);
            server.close();
            exit.complete(code);
        };
        Duration drainFor = drain;
        return Running.of(exit, () -> stop.accept(SIGKILL_EXIT), () -> server.drain(drainFor)
                .thenRun(() -> stop.accept(SIGTERM_EXIT)));
    }

    /** The running replica of pod {@code namespace/name}. */
    public ModelSimServer server(String namespace, String pod) {
        return servers.get(namespace + "/" + pod);
    }

    /** Every running replica, by namespace/pod. */
    public Map<String, ModelSimServer> servers() {
        return new TreeMap<>(servers);
    }
}
