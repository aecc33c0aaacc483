package io.palimpsest.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An integer field the API server stores must be one the operator can read back. The API server
 * keeps any 64-bit integer where the schema sets no maximum; a Java {@code Integer} cannot hold
 * more than 2147483647, so a RewriteJob with {@code filesPerShard: 3000000000} would be accepted
 * by {@code kubectl apply} and then fail to deserialise in the operator (and in its informer's list
 * of every job). Every {@code Integer} of the spec classes must therefore carry a maximum the type
 * can hold, and every int-or-string rule must refuse a number past it; so must every
 * {@code Integer} of the Kubernetes types in them (an affinity term's weight).
 */
class CrdIntegerRangeTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final BigDecimal INT_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);

    @Test
    void everyRewriteJobIntegerHasAMaximumAnIntegerHolds() throws IOException {
        assertBounded(CrdSchema.REWRITE_JOBS, RewriteJobSpec.class);
    }

    @Test
    void everyRewriterModelIntegerHasAMaximumAnIntegerHolds() throws IOException {
        assertBounded(CrdSchema.REWRITER_MODELS, RewriterModelSpec.class);
    }

    private static void assertBounded(String crd, Class<?> spec) throws IOException {
        Map<String, Object> root =
                CrdSchema.read(CrdValidator.crdDir().resolve(crd)).schema();
        List<String> unbounded = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        walk(map(map(root.get("properties")).get("spec")), MAPPER.constructType(spec), "spec", unbounded, checked);
        assertFalse(checked.isEmpty(), "no Integer field found under " + spec.getSimpleName());
        // Kubernetes' own types are walked too (KubernetesIntegerBounds bounds them at build time)
        assertTrue(
                checked.stream().anyMatch(p -> p.endsWith("preferredDuringSchedulingIgnoredDuringExecution[].weight")),
                checked.toString());
        assertEquals(List.of(), unbounded, crd + ": integer fields the API server would store past 2147483647");
    }

    private static void walk(
            Map<String, Object> node, JavaType type, String path, List<String> unbounded, List<String> checked) {
        if (node == null || type == null) {
            return;
        }
        Class<?> raw = type.getRawClass();
        if (raw == Integer.class || raw == int.class) {
            checked.add(path);
            Object max = node.get("maximum");
            if (!(max instanceof Number n) || new BigDecimal(n.toString()).compareTo(INT_MAX) > 0) {
                unbounded.add(path);
            }
            return;
        }
        if (raw == IntOrString.class) {
            checked.add(path);
            List<Map<String, Object>> rules = list(node.get("x-kubernetes-validations"));
            long past = Integer.MAX_VALUE + 1L;
            boolean refused = rules != null
                    && rules.stream().anyMatch(r -> !CrdSchema.evaluate((String) r.get("rule"), past, null));
            if (!refused) {
                unbounded.add(path);
            }
            return;
        }
        if (type.isCollectionLikeType()) {
            walk(map(node.get("items")), type.getContentType(), path + "[]", unbounded, checked);
            return;
        }
        if (type.isMapLikeType()) {
            if (node.get("additionalProperties") instanceof Map<?, ?> additional) {
                walk(map(additional), type.getContentType(), path + "{}", unbounded, checked);
            }
            return;
        }
        Map<String, Object> props = map(node.get("properties"));
        if (props == null) {
            return;
        }
        for (BeanPropertyDefinition p :
                MAPPER.getDeserializationConfig().introspect(type).findProperties()) {
            if (props.containsKey(p.getName())) {
                walk(map(props.get(p.getName())), p.getPrimaryType(), path + "." + p.getName(), unbounded, checked);
            }
        }
    }

    @Test
    void lintRefusesAnIntegerPastTheJavaRangeInTheApiServersWords() throws IOException {
        var errors = CrdValidator.rewriteJobs()
                .validate(Manifests.with(Manifests.rewriteJob(), "spec.retry.maxFailedShards", 3_000_000_000L));
        assertTrue(
                errors.stream()
                        .anyMatch(e -> e.startsWith("spec.retry.maxFailedShards")
                                && e.contains("less than or equal to 2147483647")),
                errors.toString());
        var parallelism = CrdValidator.rewriteJobs()
                .validate(Manifests.with(Manifests.rewriteJob(), "spec.workers.parallelism", 3_000_000_000L));
        assertTrue(
                parallelism.stream().anyMatch(e -> e.startsWith("spec.workers.parallelism")), parallelism.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> ? (Map<String, Object>) o : null;
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(Object o) {
        return (List<T>) o;
    }
}
