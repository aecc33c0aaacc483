package io.palimpsest.operator.job.resources;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.operator.cluster.PalimpsestWorkerProgram;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.job.RewriteJobNames;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One resolver on both sides: for every example, the job.yaml the operator writes into the
 * ConfigMap equals what {@code palimpsest local} runs for the same manifests (printed by
 * {@code palimpsest lint --print-resolved}, the worker jar's own code path). Only the uid, which
 * the API server assigns, is left out. The examples' file:// URIs become pvc:// on both sides (a
 * cluster refuses file://).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
class ResolvedJobParityTest {
    static final String NS = "test";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Inject
    KubernetesClient client;

    @TestFactory
    Stream<DynamicTest> operatorAndLocalResolveEveryExampleAlike() throws Exception {
        Assumptions.assumeTrue(
                Files.isRegularFile(PalimpsestWorkerProgram.defaultJar()), "needs worker-image/target/palimpsest.jar");
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Path.of("../examples"))) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> compare(dir)));
            }
        }
        return tests.stream();
    }

    private void compare(Path example) throws Exception {
        String tag = example.getFileName().toString();
        // a recipe that calls no model (reStructured) comes with no RewriterModel
        RewriterModel model = Files.isRegularFile(example.resolve("model.yaml"))
                ? load(RewriterModel.class, example.resolve("model.yaml"))
                : null;
        RewriteJob job = load(RewriteJob.class, example.resolve("job.yaml"));
        // distinct names per example, as one namespace holds them all
        job.getMetadata().setName(tag);
        if (model != null) {
            model.getMetadata().setName(tag + "-model");
            job.getSpec().getModelRef().setName(tag + "-model");
        }
        job.getSpec().getInput().setUri("pvc://corpus/" + tag + "/in/");
        job.getSpec().getOutput().setUri("pvc://corpus/" + tag + "/out/");

        Path dir = Files.createTempDirectory("parity-" + tag);
        if (model != null) {
            Files.writeString(
                    dir.resolve("model.yaml"),
                    client.getKubernetesSerialization().asYaml(model));
        }
        Files.writeString(
                dir.resolve("job.yaml"), client.getKubernetesSerialization().asYaml(job));
        JsonNode local = YAML.readTree(printResolved(dir));

        if (model != null) {
            client.resource(model).create();
        }
        client.resource(job).create();
        String configMap = RewriteJobNames.configMap(job);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ConfigMap cm =
                    client.configMaps().inNamespace(NS).withName(configMap).get();
            return cm != null
                    && (model == null
                            || cm.getData().get(ResolvedJob.CONFIG_KEY).contains("endpoint:"));
        });
        JsonNode cluster = YAML.readTree(client.configMaps()
                .inNamespace(NS)
                .withName(configMap)
                .get()
                .getData()
                .get(ResolvedJob.CONFIG_KEY));
        ((ObjectNode) local).remove("uid");
        ((ObjectNode) cluster).remove("uid");
        assertEquals(
                local, cluster, tag + ": local\n" + local.toPrettyString() + "\ncluster\n" + cluster.toPrettyString());
    }

    private <T extends HasMetadata> T load(Class<T> type, Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            T object = client.getKubernetesSerialization().unmarshal(in, type);
            object.getMetadata().setNamespace(NS);
            return object;
        }
    }

    /** {@code palimpsest lint --print-resolved} from the worker jar, in its class loader. */
    private static String printResolved(Path dir) throws Exception {
        PrintStream before = System.out;
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        URLClassLoader loader = PalimpsestWorkerProgram.sharedCli();
        try {
            Method execute =
                    loader.loadClass("io.palimpsest.worker.cli.PalimpsestCli").getMethod("execute", String[].class);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            // as when the jar runs alone: libraries that load classes by name (the template engine's EL) see the jar
            Thread.currentThread().setContextClassLoader(loader);
            int exit = (Integer)
                    execute.invoke(null, (Object) new String[] {"lint", "-f", dir.toString(), "--print-resolved"});
            assertEquals(0, exit, "lint --print-resolved of " + dir);
        } finally {
            System.setOut(before);
            Thread.currentThread().setContextClassLoader(context);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
