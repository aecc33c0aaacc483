package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.sim.OutageMode;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kubelet's pod plumbing, the Deployment controller with model-sim pods, and kube-proxy. */
class ClusterComponentsTest {

    private static final String NS = "parts";
    private static SimulatedCluster cluster;
    private static KubernetesClient client;
    private static final ModelSimProgram MODELS = ModelSimProgram.fast(Duration.ofMillis(400));
    private static final Map<String, String> SEEN = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        cluster = SimulatedCluster.builder()
                .timeScale(0.05)
                .programs(p -> p.add("probe", ProgramCatalog.imageContains("probe"), new ScriptedProgram(l -> {
                            SEEN.put("argv", String.join(" ", l.argv()));
                            l.env().forEach((k, v) -> SEEN.put("env." + k, v));
                            SEEN.put("file", Files.readString(Path.of(l.argv().get(1))));
                            Files.writeString(l.terminationMessageFile(), "x".repeat(5000));
                            return 0;
                        }))
                        .add("crash", ProgramCatalog.imageContains("crash"), new ScriptedProgram(l -> {
                            Files.writeString(l.logFile(), "starting\nboom: no such table\n");
                            return 2;
                        }))
                        .add("vllm", ProgramCatalog.imageContains("vllm"), MODELS))
                .start();
        client = cluster.client();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void kubeletResolvesEnvAndMountsAndTruncatesTheMessage() {
        client.configMaps()
                .inNamespace(NS)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("cfg")
                        .endMetadata()
                        .addToData("job.yaml", "name: demo\n")
                        .addToData("level", "debug")
                        .build())
                .create();
        client.secrets()
                .inNamespace(NS)
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("creds")
                        .endMetadata()
                        .addToData(
                                "token", Base64.getEncoder().encodeToString("s3cr3t".getBytes(StandardCharsets.UTF_8)))
                        .build())
                .create();
        client.pods()
                .inNamespace(NS)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("probe")
                        .addToLabels("app", "probe")
                        .endMetadata()
                        .withNewSpec()
                        .withRestartPolicy("Never")
                        .addNewVolume()
                        .withName("config")
                        .withNewConfigMap()
                        .withName("cfg")
                        .endConfigMap()
                        .endVolume()
                        .addNewContainer()
                        .withName("main")
                        .withImage("probe:1")
                        .withArgs("--job", "/etc/palimpsest/job.yaml", "--who=$(WHO)")
                        .addNewEnv()
                        .withName("WHO")
                        .withValue("pod-$(POD)")
                        .endEnv()
                        .addNewEnv()
                        .withName("POD")
                        .withNewValueFrom()
                        .withNewFieldRef()
                        .withFieldPath("metadata.name")
                        .endFieldRef()
                        .endValueFrom()
                        .endEnv()
                        .addNewEnv()
                        .withName("API")
                        .withValue("https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)")
                        .endEnv()
                        .addNewEnv()
                        .withName("KUBERNETES_SERVICE_PORT_HTTPS")
                        .withValue("mine")
                        .endEnv()
                        .addNewEnv()
                        .withName("WHO2")
                        .withValue("$(POD)-$$(POD)")
                        .endEnv()
                        .addNewEnv()
                        .withName("LEVEL")
                        .withNewValueFrom()
                        .withNewConfigMapKeyRef("level", "cfg", false)
                        .endValueFrom()
                        .endEnv()
                        .addNewEnv()
                        .withName("TOKEN")
                        .withNewValueFrom()
                        .withNewSecretKeyRef("token", "creds", false)
                        .endValueFrom()
                        .endEnv()
                        .addNewEnv()
                        .withName("APP")
                        .withNewValueFrom()
                        .withNewFieldRef()
                        .withFieldPath("metadata.labels['app']")
                        .endFieldRef()
                        .endValueFrom()
                        .endEnv()
                        .addNewVolumeMount()
                        .withName("config")
                        .withMountPath("/etc/palimpsest")
                        .endVolumeMount()
                        .endContainer()
                        .endSpec()
                        .build())
                .create();

        Pod done = awaitPhase("probe", "Succeeded");
        assertTrue(
                SEEN.get("argv").matches("--job /.+/volumes/config/job.yaml --who=pod-\\$\\(POD\\)"),
                "mount path rewritten; $(POD) defined later stays as written: " + SEEN.get("argv"));
        assertEquals("name: demo\n", SEEN.get("file"));
        assertEquals("probe-$(POD)", SEEN.get("env.WHO2"));
        assertEquals("debug", SEEN.get("env.LEVEL"));
        assertEquals("s3cr3t", SEEN.get("env.TOKEN"));
        assertEquals("probe", SEEN.get("env.APP"));
        // the kubelet gives every container the API server's Service, as a worker tells a pod from a run by hand
        URI api = URI.create(client.getMasterUrl().toString());
        assertEquals(api.getHost(), SEEN.get("env.KUBERNETES_SERVICE_HOST"));
        assertEquals(String.valueOf(api.getPort()), SEEN.get("env.KUBERNETES_SERVICE_PORT"));
        assertEquals("tcp://" + api.getHost() + ":" + api.getPort(), SEEN.get("env.KUBERNETES_PORT"));
        assertEquals(
                "https://" + api.getHost() + ":" + api.getPort(),
                SEEN.get("env.API"),
                "a container's own value may refer to them");
        assertEquals("mine", SEEN.get("env.KUBERNETES_SERVICE_PORT_HTTPS"), "a container's own value wins");
        var terminated =
                done.getStatus().getContainerStatuses().get(0).getState().getTerminated();
        assertEquals(0, terminated.getExitCode());
        assertEquals("Completed", terminated.getReason());
        assertEquals(Kubelet.MAX_MESSAGE_BYTES, terminated.getMessage().length());
        assertTrue(done.getStatus().getPodIP().startsWith("127.1."));
    }

    @Test
    void missingConfigMapHoldsThePodUntilItExistsAndCrashFallsBackToLogs() {
        client.pods()
                .inNamespace(NS)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("crash")
                        .endMetadata()
                        .withNewSpec()
                        .withRestartPolicy("Never")
                        .addNewContainer()
                        .withName("main")
                        .withImage("crash:1")
                        .withTerminationMessagePolicy("FallbackToLogsOnError")
                        .addNewEnv()
                        .withName("X")
                        .withNewValueFrom()
                        .withNewConfigMapKeyRef("x", "later", false)
                        .endValueFrom()
                        .endEnv()
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
        await().atMost(Duration.ofSeconds(5)).until(() -> waitingReason("crash"), "CreateContainerConfigError"::equals);
        client.configMaps()
                .inNamespace(NS)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("later")
                        .endMetadata()
                        .addToData("x", "1")
                        .build())
                .create();
        Pod failed = awaitPhase("crash", "Failed");
        var terminated =
                failed.getStatus().getContainerStatuses().get(0).getState().getTerminated();
        assertEquals(2, terminated.getExitCode());
        assertEquals("Error", terminated.getReason());
        assertTrue(terminated.getMessage().contains("boom: no such table"), terminated.getMessage());
    }

    @Test
    void deploymentRunsModelSimPerPodAddressAndServiceSpreadsConnections() throws Exception {
        client.apps()
                .deployments()
                .inNamespace(NS)
                .resource(modelSimDeployment("llm", 2))
                .create();
        client.services()
                .inNamespace(NS)
                .resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName("llm")
                        .endMetadata()
                        .withNewSpec()
                        .addToSelector("app", "llm")
                        .addNewPort()
                        .withPort(8000)
                        .withTargetPort(new IntOrString("http"))
                        .endPort()
                        .endSpec()
                        .build())
                .create();

        await().atMost(Duration.ofSeconds(10)).until(() -> readyReplicas("llm") == 2);
        List<Pod> pods =
                client.pods().inNamespace(NS).withLabel("app", "llm").list().getItems();
        assertEquals(2, pods.size());
        assertNotEquals(
                pods.get(0).getStatus().getPodIP(), pods.get(1).getStatus().getPodIP());
        assertEquals(2, MODELS.servers().size());
        assertEquals(
                8,
                MODELS.servers().values().iterator().next().config().maxNumSeqs(),
                "flags of vllm serve reach the simulator");

        String ip = await().atMost(Duration.ofSeconds(5))
                .until(() -> cluster.services().clusterIp(NS, "llm").orElse(null), x -> x != null);
        assertEquals(
                "http://" + ip + ":8000/v1", cluster.services().rewriteHosts("http://llm." + NS + ".svc:8000/v1", NS));
        await().atMost(Duration.ofSeconds(5))
                .ignoreExceptions()
                .until(() -> get("http://" + ip + ":8000/health") == 200);
        for (int i = 0; i < 6; i++) {
            assertEquals(200, get("http://" + ip + ":8000/v1/models"));
        }
        Map<String, Integer> spread = cluster.services().connectionsPerEndpoint(NS, "llm", 8000);
        assertEquals(2, spread.size(), "both pods got connections: " + spread);

        client.apps().deployments().inNamespace(NS).withName("llm").scale(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.pods()
                .inNamespace(NS)
                .withLabel("app", "llm")
                .list()
                .getItems()
                .isEmpty());
        await().atMost(Duration.ofSeconds(5)).until(() -> MODELS.servers().isEmpty());
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            try {
                get("http://" + ip + ":8000/health");
                return false;
            } catch (ConnectException e) {
                return true;
            }
        });
        assertThrows(ConnectException.class, () -> get("http://" + ip + ":8000/health"), "no endpoint: refused");
    }

    @Test
    void aHeadlessServiceNameAnswersWithTheReadyPodsAndIsLeftAsANameInUrls() throws Exception {
        Assumptions.assumeTrue(
                ClusterDns.active(), "needs -D" + ClusterDns.HOSTS_FILE_PROPERTY + " (the module's surefire argLine)");
        client.apps()
                .deployments()
                .inNamespace(NS)
                .resource(modelSimDeployment("fleet", 2))
                .create();
        client.services()
                .inNamespace(NS)
                .resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName("fleet-replicas")
                        .endMetadata()
                        .withNewSpec()
                        .withClusterIP("None")
                        .addToSelector("app", "fleet")
                        .addNewPort()
                        .withPort(8000)
                        .withTargetPort(new IntOrString("http"))
                        .endPort()
                        .endSpec()
                        .build())
                .create();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> readyReplicas("fleet") == 2);
            Set<String> podIps = client.pods().inNamespace(NS).withLabel("app", "fleet").list().getItems().stream()
                    .map(p -> p.getStatus().getPodIP())
                    .collect(Collectors.toSet());
            String name = "fleet-replicas." + NS + ".svc";
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> addresses(name), podIps::equals);
            assertEquals(podIps, addresses(name + ".cluster.local"));
            assertTrue(cluster.services().clusterIp(NS, "fleet-replicas").isEmpty(), "headless: no cluster IP");
            assertEquals(
                    "http://" + name + ":8000/v1",
                    cluster.services().rewriteHosts("http://" + name + ":8000/v1", NS),
                    "the program resolves a headless name itself");

            Pod failing = client.pods()
                    .inNamespace(NS)
                    .withLabel("app", "fleet")
                    .list()
                    .getItems()
                    .get(0);
            MODELS.server(NS, failing.getMetadata().getName()).beginOutage(OutageMode.REFUSE_CONNECTIONS, null);
            Set<String> rest = podIps.stream()
                    .filter(ip -> !ip.equals(failing.getStatus().getPodIP()))
                    .collect(Collectors.toSet());
            await().atMost(Duration.ofSeconds(5)).until(() -> addresses(name), rest::equals);
        } finally {
            client.services().inNamespace(NS).withName("fleet-replicas").delete();
            client.apps().deployments().inNamespace(NS).withName("fleet").scale(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.pods()
                    .inNamespace(NS)
                    .withLabel("app", "fleet")
                    .list()
                    .getItems()
                    .isEmpty());
            await().atMost(Duration.ofSeconds(5)).until(() -> MODELS.servers().isEmpty());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            try {
                addresses("fleet-replicas." + NS + ".svc");
                return false;
            } catch (UnknownHostException e) {
                return true;
            }
        });
    }

    private static Set<String> addresses(String host) throws UnknownHostException {
        return Arrays.stream(InetAddress.getAllByName(host))
                .map(InetAddress::getHostAddress)
                .collect(Collectors.toSet());
    }

    /** A new client per call: kube-proxy balances connections, and this makes each request one. */
    private static int get(String url) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        return http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /** vLLM (the simulator here) behind a readiness probe on /health, labelled app=<name>. */
    private static Deployment modelSimDeployment(String name, int replicas) {
        return new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector()
                .addToMatchLabels("app", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", name)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("vllm")
                .withImage("vllm/vllm-openai:v0.11.0")
                .withCommand("vllm", "serve")
                .withArgs("org/model", "--served-model-name", "m", "--max-num-seqs", "8", "--port", "8000")
                .addNewPort()
                .withName("http")
                .withContainerPort(8000)
                .endPort()
                .withNewReadinessProbe()
                .withNewHttpGet()
                .withPath("/health")
                .withPort(new IntOrString("http"))
                .endHttpGet()
                .endReadinessProbe()
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static int readyReplicas(String name) {
        Deployment d =
                client.apps().deployments().inNamespace(NS).withName(name).get();
        return d.getStatus() == null || d.getStatus().getReadyReplicas() == null
                ? 0
                : d.getStatus().getReadyReplicas();
    }

    private static String waitingReason(String pod) {
        Pod p = client.pods().inNamespace(NS).withName(pod).get();
        if (p == null
                || p.getStatus() == null
                || p.getStatus().getContainerStatuses() == null
                || p.getStatus().getContainerStatuses().isEmpty()) {
            return null;
        }
        var waiting = p.getStatus().getContainerStatuses().get(0).getState().getWaiting();
        return waiting == null ? null : waiting.getReason();
    }

    private static Pod awaitPhase(String name, String phase) {
        return await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> client.pods().inNamespace(NS).withName(name).get(),
                        p -> p != null
                                && p.getStatus() != null
                                && phase.equals(p.getStatus().getPhase()));
    }
}
