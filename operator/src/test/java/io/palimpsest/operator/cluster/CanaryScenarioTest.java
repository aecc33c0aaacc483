package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.common.SecretRef;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A secret value planted in every credentials Secret a job and its model reference (input and
 * output credentials, the Hugging Face token, and the API key of an external-endpoint model, which
 * the worker sends as {@code Authorization: Bearer} to a simulator that refuses any other key) is
 * found nowhere it must not be after the jobs: not in any status, Event, ConfigMap or other object
 * the API server holds (Secrets aside), not in a line the operator logged, not in a container log
 * (the workers' and planners' stdout and stderr) or termination message, not in an output or
 * rejects record. It is found where it belongs (the pods' Secret volumes and environment), which
 * shows the search would have seen it; the logs searched are not empty: the operator's holds lines
 * at INFO, the level the chart runs it at (every Event it records is also logged there), and the
 * containers' logs hold lines too. Workers are subprocesses here, so the pod's environment (the API
 * key) reaches them as it does in a container.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = FaultyClusterApiServer.class)
@TestProfile(RbacFromRequestsTest.Namespaced.class)
class CanaryScenarioTest {

    static final String CLUSTER_AGENT = "simulated-cluster";

    @Inject
    KubernetesClient operatorClient;

    @Test
    void aPlantedSecretLeaksNowhere() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        String canary = "canary-" + UUID.randomUUID();
        List<String> operatorLog = new CopyOnWriteArrayList<>();
        List<String> chartLevelLines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                operatorLog.add(record.getLoggerName() + " " + record.getMessage() + " "
                        + Arrays.toString(record.getParameters())
                        + (record.getThrown() == null ? "" : " " + record.getThrown()));
                // The chart sets io.palimpsest to INFO (operator.logLevel): these lines are what a cluster keeps.
                if (record.getLoggerName() != null
                        && record.getLoggerName().startsWith("io.palimpsest")
                        && record.getLevel().intValue() >= Level.INFO.intValue()) {
                    chartLevelLines.add(
                            record instanceof ExtLogRecord ext
                                    ? ext.getFormattedMessage()
                                    : record.getMessage() + " " + Arrays.toString(record.getParameters()));
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        try (KubernetesClient clusterClient = new KubernetesClientBuilder()
                        .withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                                .withUserAgent(CLUSTER_AGENT)
                                .build())
                        .build();
                Scenario s =
                        new Scenario(clusterClient, PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                                .startupDelay(Duration.ofMillis(500))
                                .decodeStepBaseSeconds(0.01));
                // An external OpenAI-compatible server that answers only with the planted key, as vLLM --api-key does.
                ModelSimServer external = ModelSimServer.start(SimConfig.builder()
                        .modelName("canary-ext")
                        .apiKey(canary)
                        .decodeStepBaseSeconds(0.01)
                        .build())) {
            for (String name : List.of("canary-in", "canary-out")) {
                s.client
                        .resource(new SecretBuilder()
                                .withNewMetadata()
                                .withName(name)
                                .withNamespace(Scenario.NS)
                                .endMetadata()
                                .withStringData(Map.of(
                                        "AWS_ACCESS_KEY_ID",
                                        "AKIA" + name.toUpperCase().replace("-", ""),
                                        "AWS_SECRET_ACCESS_KEY",
                                        canary))
                                .build())
                        .create();
            }
            s.client
                    .resource(new SecretBuilder()
                            .withNewMetadata()
                            .withName("canary-hf")
                            .withNamespace(Scenario.NS)
                            .endMetadata()
                            .withStringData(Map.of("token", canary))
                            .build())
                    .create();
            s.client
                    .resource(new SecretBuilder()
                            .withNewMetadata()
                            .withName("canary-key")
                            .withNamespace(Scenario.NS)
                            .endMetadata()
                            .withStringData(Map.of("key", canary))
                            .build())
                    .create();

            Path input = s.claim("corpus").resolve("canary-in");
            SyntheticCorpus.write(input, 2, 3, 31);
            RewriterModel model = s.load(RewriterModel.class, Path.of("../examples/quickstart/model.yaml"));
            model.getMetadata().setName("canary-model");
            model.getSpec().getReplicas().setMin(1);
            model.getSpec().getReplicas().setMax(1);
            RewriterModelSpec.ModelSource source = model.getSpec().getSource();
            if (source != null && source.getHuggingFace() != null) {
                source.getHuggingFace().setTokenSecretRef(new SecretKeyRef("canary-hf", "token"));
            }
            s.client.resource(model).create();
            RewriteJob job =
                    s.smallJob("canary", "canary-model", "pvc://corpus/canary-in/", "pvc://corpus/canary-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(2));
            job.getSpec().getInput().setCredentialsSecretRef(new SecretRef("canary-in"));
            job.getSpec().getOutput().setCredentialsSecretRef(new SecretRef("canary-out"));
            s.client.resource(job).create();
            s.awaitPhase("canary", JobPhase.Succeeded, Duration.ofSeconds(180));

            RewriterModel ext = new RewriterModel();
            ext.setMetadata(new ObjectMetaBuilder()
                    .withName("canary-ext")
                    .withNamespace(Scenario.NS)
                    .build());
            RewriterModelSpec extSpec = new RewriterModelSpec();
            extSpec.setServedModelName("canary-ext");
            RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
            endpoint.setUrl(external.baseUrl());
            endpoint.setApiKeySecretRef(new SecretKeyRef("canary-key", "key"));
            extSpec.setEndpoint(endpoint);
            ext.setSpec(extSpec);
            s.client.resource(ext).create();
            RewriteJob viaKey =
                    s.smallJob("canary-x", "canary-ext", "pvc://corpus/canary-in/", "pvc://corpus/canary-x-out/");
            viaKey.getSpec().getWorkers().setParallelism(new IntOrString(2));
            viaKey.getSpec().getInput().setCredentialsSecretRef(new SecretRef("canary-in"));
            viaKey.getSpec().getOutput().setCredentialsSecretRef(new SecretRef("canary-out"));
            s.client.resource(viaKey).create();
            s.awaitPhase("canary-x", JobPhase.Succeeded, Duration.ofSeconds(180));
            long keyed = external.requestLog().completions().stream()
                    .filter(r -> List.of("Bearer " + canary).equals(r.headers().get("authorization")))
                    .count();
            assertTrue(
                    keyed > 0 && keyed == external.requestLog().completions().size(),
                    "every request to the external model carried the key (the simulator refuses others with 401)");
            Thread.sleep(1000);

            List<String> leaks = new ArrayList<>();
            List<String> seenWhereItBelongs = new ArrayList<>();
            int objects = 0;
            List<HasMetadata> all = new ArrayList<>();
            all.addAll(s.client
                    .resources(RewriteJob.class)
                    .inNamespace(Scenario.NS)
                    .list()
                    .getItems());
            all.addAll(s.client
                    .resources(RewriterModel.class)
                    .inNamespace(Scenario.NS)
                    .list()
                    .getItems());
            all.addAll(s.client.v1().events().inNamespace(Scenario.NS).list().getItems());
            all.addAll(s.client
                    .events()
                    .v1()
                    .events()
                    .inNamespace(Scenario.NS)
                    .list()
                    .getItems());
            all.addAll(s.client.configMaps().inNamespace(Scenario.NS).list().getItems());
            all.addAll(s.client.pods().inNamespace(Scenario.NS).list().getItems());
            all.addAll(
                    s.client.batch().v1().jobs().inNamespace(Scenario.NS).list().getItems());
            all.addAll(s.client
                    .apps()
                    .deployments()
                    .inNamespace(Scenario.NS)
                    .list()
                    .getItems());
            all.addAll(s.client.services().inNamespace(Scenario.NS).list().getItems());
            all.addAll(s.client
                    .persistentVolumeClaims()
                    .inNamespace(Scenario.NS)
                    .list()
                    .getItems());
            for (HasMetadata o : all) {
                objects++;
                if (s.client.getKubernetesSerialization().asJson(o).contains(canary)) {
                    leaks.add(o.getKind() + " " + o.getMetadata().getName());
                }
            }
            for (String line : operatorLog) {
                if (line.contains(canary)) {
                    leaks.add("operator log: " + line);
                }
            }
            int files = 0;
            int containerLogLines = 0;
            int containerLogs = 0;
            try (Stream<Path> tree = Files.walk(s.work)) {
                for (Path f : tree.filter(Files::isRegularFile).toList()) {
                    files++;
                    String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
                    String name = f.getFileName().toString();
                    if (name.endsWith(".log")
                            && !s.work.relativize(f).toString().contains("/volumes/")) {
                        containerLogs++;
                        containerLogLines += (int) text.lines().count();
                    }
                    if (!text.contains(canary)) {
                        continue;
                    }
                    String rel = s.work.relativize(f).toString();
                    if (rel.contains("/volumes/")
                            && (rel.contains("palimpsest-input")
                                    || rel.contains("palimpsest-output")
                                    || rel.contains("credentials")
                                    || rel.contains("secret"))) {
                        seenWhereItBelongs.add(rel);
                    } else {
                        leaks.add("file " + rel);
                    }
                }
            }
            assertEquals(List.of(), leaks, "the planted secret appears where it must not");
            assertFalse(
                    seenWhereItBelongs.isEmpty(),
                    "the search found the value in the pods' Secret volumes (it would see a leak)");
            System.out.printf(
                    "[figures] canary: a secret planted in 4 Secrets (input, output, hub token, external model API key, "
                            + "sent in %d requests); after two jobs found in 0 of %d API objects, 0 of %d operator log lines (%d at "
                            + "INFO or above from io.palimpsest), 0 of %d container log lines (%d logs), 0 output or termination files "
                            + "(%d files searched); present only in %d Secret volume files%n",
                    keyed,
                    objects,
                    operatorLog.size(),
                    chartLevelLines.size(),
                    containerLogLines,
                    containerLogs,
                    files,
                    seenWhereItBelongs.size());
            // Not vacuous: at the chart's level the log tells each job's story (a line per phase change, with the
            // condition's message: where an error would carry a credential), and every pod's log was read.
            for (String name : List.of("canary", "canary-x")) {
                long lines = chartLevelLines.stream()
                        .filter(l -> l.contains("RewriteJob " + Scenario.NS + "/" + name + ":"))
                        .count();
                assertTrue(
                        lines >= 3,
                        "the operator logged " + lines + " lines about " + name + " at INFO: " + chartLevelLines);
            }
            // Two jobs, each a planner and two worker pods (more with retries), every log with the worker's lines in
            // it.
            assertTrue(
                    containerLogs >= 6 && containerLogLines >= containerLogs,
                    "container logs searched: " + containerLogs + " files, " + containerLogLines + " lines");
        } finally {
            root.removeHandler(capture);
        }
    }
}
