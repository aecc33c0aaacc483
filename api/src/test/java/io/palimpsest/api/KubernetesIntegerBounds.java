package io.palimpsest.api;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import java.util.List;
import java.util.Map;

/**
 * The CRD generator gives the integers of Kubernetes' own types embedded in our specs (an
 * affinity term's {@code weight}) no maximum, and the API server then stores any 64-bit integer
 * there, which the operator, reading them as Fabric8's 32-bit {@code Integer}, cannot read back
 * (nor its informer's list of every resource). Run at build time on the generated CRDs, this sets
 * the maximum a 32-bit integer holds on each of them that has none, as our own {@code Integer}
 * fields carry through {@code @Max}; {@link CrdIntegerRangeTest} checks both.
 */
final class KubernetesIntegerBounds {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private KubernetesIntegerBounds() {}

    /** Bounds the Kubernetes-typed integers under {@code spec} of every version of {@code crd}. */
    @SuppressWarnings("unchecked")
    static void apply(Map<String, Object> crd, Class<?> spec) {
        for (Map<String, Object> version :
                (List<Map<String, Object>>) ((Map<String, Object>) crd.get("spec")).get("versions")) {
            Map<String, Object> root = map(map(version.get("schema")).get("openAPIV3Schema"));
            walk(map(map(root.get("properties")).get("spec")), MAPPER.constructType(spec), false);
        }
    }

    private static void walk(Map<String, Object> node, JavaType type, boolean kubernetes) {
        if (node == null || type == null) {
            return;
        }
        Class<?> raw = type.getRawClass();
        if (raw == Integer.class || raw == int.class) {
            if (kubernetes && "integer".equals(node.get("type")) && !node.containsKey("maximum")) {
                node.put("maximum", Integer.MAX_VALUE);
            }
            return;
        }
        if (type.isCollectionLikeType()) {
            walk(map(node.get("items")), type.getContentType(), kubernetes);
            return;
        }
        if (type.isMapLikeType()) {
            if (node.get("additionalProperties") instanceof Map<?, ?> additional) {
                walk(map(additional), type.getContentType(), kubernetes);
            }
            return;
        }
        Map<String, Object> props = map(node.get("properties"));
        if (props == null) {
            return;
        }
        boolean theirs = kubernetes || raw.getName().startsWith("io.fabric8.kubernetes.api.model.");
        for (BeanPropertyDefinition p :
                MAPPER.getDeserializationConfig().introspect(type).findProperties()) {
            if (props.containsKey(p.getName())) {
                walk(map(props.get(p.getName())), p.getPrimaryType(), theirs);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> ? (Map<String, Object>) o : null;
    }
}
