package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.palimpsest.api.lint.ModelSpecRules;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.AdmissionPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * examples/quickstart-cluster, what the install docs and the chart's NOTES point at: the operator
 * accepts it in a cluster (examples/quickstart reads file://, which it refuses there), it is the
 * quickstart's recipe and model, and its corpus.yaml fills the claim the job reads with the
 * quickstart's sample files. (ExamplesValidateTest checks its custom resources against the CRDs,
 * JobRefusalsTest lints the folder, helm/test/run.sh checks corpus.yaml against the Kubernetes schemas.)
 */
class ClusterQuickstartTest {
    static final Path CLUSTER = Path.of("../examples/quickstart-cluster");
    static final Path LOCAL = Path.of("../examples/quickstart");
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theOperatorAcceptsItInACluster() throws IOException {
        RewriteJob job = load(RewriteJob.class, CLUSTER.resolve("job.yaml"));
        assertEquals(List.of(), SpecValidator.validate(job));
        assertEquals(List.of(), AdmissionPolicy.allowAll().check(job));
        RewriterModel model = load(RewriterModel.class, CLUSTER.resolve("model.yaml"));
        assertEquals(List.of(), ModelSpecRules.check(model));
        assertEquals(List.of(), AdmissionPolicy.allowAll().check(model));
        assertEquals(model.getMetadata().getName(), job.getSpec().getModelRef().getName());

        // Why it exists: the local quickstart is refused on a cluster.
        assertFalse(SpecValidator.validate(load(RewriteJob.class, LOCAL.resolve("job.yaml")))
                .isEmpty());
    }

    @Test
    void itIsTheQuickstartsRecipeAndModel() throws IOException {
        ObjectNode cluster = JSON.valueToTree(load(RewriteJob.class, CLUSTER.resolve("job.yaml")));
        ObjectNode local = JSON.valueToTree(load(RewriteJob.class, LOCAL.resolve("job.yaml")));
        for (ObjectNode job : List.of(cluster, local)) {
            ((ObjectNode) job.path("spec").path("input")).remove("uri");
            ((ObjectNode) job.path("spec").path("output")).remove("uri");
            ((ObjectNode) job.path("spec").path("workers")).remove("parallelism");
        }
        assertEquals(local, cluster);
        assertEquals(
                (JsonNode) JSON.valueToTree(load(RewriterModel.class, LOCAL.resolve("model.yaml"))),
                JSON.valueToTree(load(RewriterModel.class, CLUSTER.resolve("model.yaml"))));
    }

    @Test
    void corpusYamlFillsTheClaimTheJobReadsWithTheSampleFiles() throws IOException {
        RewriteJob job = load(RewriteJob.class, CLUSTER.resolve("job.yaml"));
        List<HasMetadata> corpus;
        try (InputStream in = Files.newInputStream(CLUSTER.resolve("corpus.yaml"))) {
            corpus = SERIALIZATION.unmarshal(in);
        }
        PersistentVolumeClaim claim = one(corpus, PersistentVolumeClaim.class);
        ConfigMap files = one(corpus, ConfigMap.class);
        Job copy = one(corpus, Job.class);

        String prefix = "pvc://" + claim.getMetadata().getName() + "/";
        assertEquals(prefix + "in/", job.getSpec().getInput().getUri());
        assertEquals(prefix + "out/", job.getSpec().getOutput().getUri());

        Map<String, String> samples = new TreeMap<>();
        try (Stream<Path> list = Files.list(LOCAL.resolve("data"))) {
            for (Path f : list.toList()) {
                samples.put(f.getFileName().toString(), Files.readString(f));
            }
        }
        assertEquals(samples, new TreeMap<>(files.getData()));

        PodSpec pod = copy.getSpec().getTemplate().getSpec();
        assertEquals(
                List.of(claim.getMetadata().getName()),
                pod.getVolumes().stream()
                        .filter(v -> v.getPersistentVolumeClaim() != null)
                        .map(v -> v.getPersistentVolumeClaim().getClaimName())
                        .toList());
        assertEquals(
                List.of(files.getMetadata().getName()),
                pod.getVolumes().stream()
                        .map(Volume::getConfigMap)
                        .filter(c -> c != null)
                        .map(c -> c.getName())
                        .toList());
        String script = String.join(" ", pod.getContainers().get(0).getCommand());
        assertTrue(script.contains("/corpus/in/") && script.contains("/corpus/out"), script);
        assertTrue(pod.getSecurityContext().getRunAsNonRoot(), "restricted: runAsNonRoot");
    }

    private static <T> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> found =
                objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, found.size(), type.getSimpleName());
        return found.get(0);
    }

    private static <T> T load(Class<T> type, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return SERIALIZATION.unmarshal(in, type);
        }
    }
}
