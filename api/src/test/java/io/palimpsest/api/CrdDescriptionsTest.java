package io.palimpsest.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.palimpsest.api.lint.CrdSchema;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl explain rewritejob.spec}, {@code rewritejob.status} and the same for rewritermodel
 * show each field's description: every field of the project's own types has one, spec and status
 * included, so the README's promise that {@code kubectl explain} documents every field holds.
 * Kubernetes' own types embedded in a spec (affinity, tolerations, resources, env, pull secrets,
 * conditions) keep the descriptions Kubernetes documents them with elsewhere, and are not walked.
 * Every printer column ({@code kubectl get} and API discovery) says what it shows too.
 *
 * <p>{@code kubectl explain} prints a field's type, its enum values and its description, and nothing
 * else of its schema: not the default the API server fills in, not a minimum or maximum. So a spec
 * field with a default says it ("default 3"), and one with a bound beyond its type's own range says
 * the bound's number, or the reader learns them only from a refusal. A minimum of 0 on an integer
 * (a count) goes without saying.
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

    @Test
    void everyRewriteJobSpecFieldStatesItsDefaultAndBounds() throws IOException {
        assertEquals(
                List.of(),
                unstated(CrdValidator.rewriteJobs().schema()),
                "RewriteJob spec fields whose description kubectl explain shows without their default or bounds");
    }

    @Test
    void everyRewriterModelSpecFieldStatesItsDefaultAndBounds() throws IOException {
        assertEquals(
                List.of(),
                unstated(CrdValidator.rewriterModels().schema()),
                "RewriterModel spec fields whose description kubectl explain shows without their default or bounds");
    }

    /** The integer types' own limits, which the generator writes as bounds; {@code <integer>} says them. */
    private static final Set<Double> TYPE_LIMITS = Set.of(
            (double) Integer.MAX_VALUE, (double) Integer.MIN_VALUE, (double) Long.MAX_VALUE, (double) Long.MIN_VALUE);

    @SuppressWarnings("unchecked")
    private static List<String> unstated(Map<String, Object> root) {
        List<String> out = new ArrayList<>();
        Map<String, Object> properties = (Map<String, Object>) root.get("properties");
        unstated((Map<String, Object>) properties.get("spec"), "spec", out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void unstated(Map<String, Object> node, String path, List<String> out) {
        String description = node.get("description") instanceof String s ? s : "";
        Object fallback = node.get("default");
        if (fallback != null && !(fallback instanceof Map<?, ?>) && !(fallback instanceof List<?>)) {
            String value = number(fallback);
            if (!description.toLowerCase(Locale.ROOT).contains("default") || !mentions(description, value)) {
                out.add(path + ": default " + value);
            }
        }
        for (String bound : List.of("minimum", "maximum")) {
            if (node.get(bound) instanceof Number n && !TYPE_LIMITS.contains(n.doubleValue())) {
                boolean count = "integer".equals(node.get("type")) && "minimum".equals(bound) && n.doubleValue() == 0;
                if (!count && !mentions(description, number(n))) {
                    out.add(path + ": " + bound + " " + number(n));
                }
            }
        }
        String last = path.substring(path.lastIndexOf('.') + 1);
        if (KUBERNETES_TYPES.contains(last) || "spec.workers.resources".equals(path)) {
            return;
        }
        Object items = node.get("items");
        Map<String, Object> element = items instanceof Map<?, ?> m ? (Map<String, Object>) m : node;
        if (element.get("properties") instanceof Map<?, ?> children) {
            for (Map.Entry<?, ?> child : children.entrySet()) {
                unstated((Map<String, Object>) child.getValue(), path + "." + child.getKey(), out);
            }
        }
    }

    /** 3.0 as 3, 100000 as 100000: as a person writes the number. */
    private static String number(Object value) {
        if (value instanceof Number n
                && n.doubleValue() == Math.rint(n.doubleValue())
                && !Double.isInfinite(n.doubleValue())) {
            return Long.toString(n.longValue());
        }
        return String.valueOf(value);
    }

    /** {@code value} as a word of its own: "1" is not in "10", "0.05" is not in "0.055". */
    private static boolean mentions(String description, String value) {
        return Pattern.compile("(?<![\\w.])" + Pattern.quote(value) + "(?![\\w]|\\.\\d)")
                .matcher(description)
                .find();
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
