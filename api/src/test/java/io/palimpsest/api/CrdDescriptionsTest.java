package io.palimpsest.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.palimpsest.api.lint.CrdSchema;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl explain rewritejob.spec}, {@code rewritejob.status} and the same for rewritermodel
 * show each field's description: every field of the project's own types has one, spec and status
 * included, so the README's promise that {@code kubectl explain} documents every field holds.
 * Kubernetes' own types embedded in a spec (affinity, tolerations, resources, env, pull secrets,
 * conditions) keep the descriptions Kubernetes documents them with elsewhere, and are not walked.
 * Every printer column ({@code kubectl get} and API discovery) says what it shows too.
 */
class CrdDescriptionsTest {
    private static final ObjectMapper YAML = new YAMLMapper();

    /** The last path segment of an embedded Kubernetes type; its subtree is not walked. */
    private static final Set<String> KUBERNETES_TYPES =
            Set.of("affinity", "tolerations", "env", "imagePullSecrets", "conditions");

    @Test
    void everyRewriteJobFieldHasADescription() throws IOException {
        assertEquals(
                List.of(), undescribed(CrdValidator.rewriteJobs().schema()), "RewriteJob fields without a description");
    }

    @Test
    void everyRewriterModelFieldHasADescription() throws IOException {
        assertEquals(
                List.of(),
                undescribed(CrdValidator.rewriterModels().schema()),
                "RewriterModel fields without a description");
    }

    @Test
    void everyPrinterColumnHasADescription() throws IOException {
        for (String crd : List.of(CrdSchema.REWRITE_JOBS, CrdSchema.REWRITER_MODELS)) {
            List<String> columns = new ArrayList<>();
            List<String> out = new ArrayList<>();
            for (var version : YAML.readTree(CrdValidator.crdDir().resolve(crd).toFile())
                    .path("spec")
                    .path("versions")) {
                for (var column : version.path("additionalPrinterColumns")) {
                    columns.add(column.path("name").asText());
                    if (column.path("description").asText().isBlank()) {
                        out.add(column.path("name").asText());
                    }
                }
            }
            assertFalse(columns.isEmpty(), crd + ": no printer columns");
            assertEquals(List.of(), out, crd + ": printer columns without a description");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> undescribed(Map<String, Object> root) {
        List<String> out = new ArrayList<>();
        Map<String, Object> properties = (Map<String, Object>) root.get("properties");
        for (String top : List.of("spec", "status")) {
            walk((Map<String, Object>) properties.get(top), top, out);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void walk(Map<String, Object> node, String path, List<String> out) {
        Object description = node.get("description");
        if (!(description instanceof String s) || s.isBlank()) {
            out.add(path);
        }
        String last = path.substring(path.lastIndexOf('.') + 1);
        // ResourceRequirements (spec.workers.resources); a RewriterModel's resources are its own type.
        boolean kubernetesResources = "spec.workers.resources".equals(path);
        if (KUBERNETES_TYPES.contains(last) || kubernetesResources) {
            return;
        }
        Object items = node.get("items");
        Map<String, Object> element = items instanceof Map<?, ?> m ? (Map<String, Object>) m : node;
        Object properties = element.get("properties");
        if (properties instanceof Map<?, ?> children) {
            for (Map.Entry<?, ?> child : children.entrySet()) {
                walk((Map<String, Object>) child.getValue(), path + "." + child.getKey(), out);
            }
        }
    }
}
