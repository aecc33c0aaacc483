package io.palimpsest.operator.model.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.palimpsest.api.lint.CrdDefaults;
import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.AdmissionPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Which vLLM image a model runs when its manifest names none: the operator's default (the chart's
 * {@code model.defaultVllmImage}, a registry mirror in air-gapped installs), also after the API
 * server has filled in the CRD's defaults, and the admission policy that allows only the mirror
 * accepts it.
 */
class VllmImageTest {

    private static final String MIRROR = "registry.internal/vllm/vllm-openai:v0.11.0";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    @Test
    void everyExampleModelWithoutAnImageRunsTheOperatorsDefaultAsStored() throws IOException {
        RenderSettings mirror = new RenderSettings(
                MIRROR,
                RenderSettings.defaults().s3DownloadImage(),
                1000,
                RenderSettings.defaults().startupBudget(),
                List.of("ReadWriteOnce"),
                RenderSettings.defaults().kedaPrometheusAddress(),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                false,
                1);
        AdmissionPolicy onlyTheMirror = new AdmissionPolicy(List.of("registry.internal/vllm/*"), List.of());
        List<String> checked = new ArrayList<>();
        for (Path file : exampleModels()) {
            RewriterModel model;
            try (InputStream in = Files.newInputStream(file)) {
                model = SERIALIZATION.unmarshal(in, RewriterModel.class);
            }
            if (model.getSpec().getEngine() == null
                    || model.getSpec().getEngine().getImage() != null) {
                continue;
            }
            model.getMetadata().setNamespace("ns");
            // what the API server stores: the CRD's schema defaults filled in
            model.setSpec(CrdDefaults.bundled(CrdSchema.REWRITER_MODELS).apply("spec", model.getSpec()));

            assertNull(model.getSpec().getEngine().getImage(), file + ": the CRD must not default the image");
            Container vllm =
                    VllmDeployment.render(model, 1, mirror).getSpec().getTemplate().getSpec().getContainers().stream()
                            .filter(c -> c.getName().equals("vllm"))
                            .findFirst()
                            .orElseThrow();
            assertEquals(MIRROR, vllm.getImage(), file.toString());
            assertEquals(List.of(), onlyTheMirror.check(model), file + " under a mirror-only policy");
            checked.add(file.getParent().getFileName().toString());
        }
        assertFalse(checked.isEmpty(), "no example model leaves the image to the operator");
    }

    private static List<Path> exampleModels() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("../examples"))) {
            return files.filter(p -> p.getFileName().toString().equals("model.yaml"))
                    .sorted()
                    .toList();
        }
    }
}
