package io.palimpsest.api.lint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.palimpsest.api.common.VerbatimQuantities;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The defaults of a generated CRD's schema, filled in as the API server fills them in before it
 * stores an object. The resolver applies them too, so a job resolves (and its recipe hashes) the
 * same whether its spec came from a laptop's YAML or from the API server. Free of CEL, so the
 * operator can use it.
 */
public final class CrdDefaults {
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = VerbatimQuantities.register(new JsonMapper());
    private static final Map<String, CrdDefaults> BUNDLED = new ConcurrentHashMap<>();

    private final Map<String, Object> schema;

    CrdDefaults(Map<String, Object> schema) {
        this.schema = schema;
    }

    /** The defaults of a CRD bundled in the api jar (see {@link CrdSchema#RESOURCE_DIR}). */
    public static CrdDefaults bundled(String fileName) {
        return BUNDLED.computeIfAbsent(fileName, name -> {
            try (InputStream in =
                    CrdDefaults.class.getClassLoader().getResourceAsStream(CrdSchema.RESOURCE_DIR + name)) {
                if (in == null) {
                    throw new IllegalStateException(CrdSchema.RESOURCE_DIR + name + " is missing from the api jar");
                }
                Map<String, Object> crd = map(YAML.readValue(in, Map.class));
                List<Map<String, Object>> versions = list(map(crd.get("spec")).get("versions"));
                return new CrdDefaults(map(map(versions.get(0).get("schema")).get("openAPIV3Schema")));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the bundled CRD " + name + ": " + e.getMessage(), e);
            }
        });
    }

    /** A copy of {@code value} (typed or plain) with the defaults at {@code field} (e.g. "spec") filled in, of the same type. */
    @SuppressWarnings("unchecked")
    public <T> T apply(String field, T value) {
        Map<String, Object> node =
                field.isEmpty() ? schema : map(map(schema.get("properties")).get(field));
        Object plain = JSON.convertValue(value, Object.class);
        fill(node, plain);
        return (T) JSON.convertValue(plain, value.getClass());
    }

    static void fill(Map<String, Object> node, Object value) {
        Map<String, Object> props = map(node.get("properties"));
        if (props != null && value instanceof Map<?, ?> raw) {
            @SuppressWarnings("unchecked")
            Map<String, Object> object = (Map<String, Object>) raw;
            props.forEach((k, v) -> {
                Map<String, Object> child = map(v);
                if (object.get(k) == null && child.containsKey("default")) {
                    object.put(k, JSON.convertValue(child.get("default"), Object.class));
                }
                if (object.get(k) != null) {
                    fill(child, object.get(k));
                }
            });
        }
        Map<String, Object> items = map(node.get("items"));
        if (items != null && value instanceof List<?> list) {
            list.forEach(v -> fill(items, v));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(Object o) {
        return (List<T>) o;
    }
}
