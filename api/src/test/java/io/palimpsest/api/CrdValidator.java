package io.palimpsest.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates objects against a generated CRD the way an API server does, since the mock API
 * server does not: defaults applied first, then the OpenAPI schema with strict field
 * validation (unknown fields are errors, as with kubectl's default --validate=strict), then every
 * x-kubernetes-validations rule on the nodes present, transition rules only when an old object
 * is given.
 */
public final class CrdValidator {
    static final ObjectMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new JsonMapper();
    private static final CelCompiler CEL = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    private final Map<String, Object> openApiSchema;
    private final JsonSchema jsonSchema;

    private CrdValidator(Map<String, Object> openApiSchema) {
        this.openApiSchema = openApiSchema;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> strict = (Map<String, Object>) strictCopy(openApiSchema);
            // the API server adds these to every custom resource's schema itself
            @SuppressWarnings("unchecked")
            Map<String, Object> props = (Map<String, Object>) strict.get("properties");
            props.putIfAbsent("apiVersion", Map.of("type", "string"));
            props.putIfAbsent("kind", Map.of("type", "string"));
            props.putIfAbsent("metadata", Map.of("type", "object"));
            this.jsonSchema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V201909)
                    .getSchema(JSON.valueToTree(strict));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path crdDir() {
        return Path.of("..", "crds");
    }

    @SuppressWarnings("unchecked")
    public static CrdValidator forCrd(String fileName) throws IOException {
        Map<String, Object> crd = YAML.readValue(crdDir().resolve(fileName).toFile(), Map.class);
        Map<String, Object> version = ((List<Map<String, Object>>) ((Map<String, Object>) crd.get("spec")).get("versions")).get(0);
        Map<String, Object> schema = (Map<String, Object>) ((Map<String, Object>) version.get("schema")).get("openAPIV3Schema");
        return new CrdValidator(schema);
    }

    public static CrdValidator rewriteJobs() throws IOException {
        return forCrd("rewritejobs.palimpsest.io-v1.yml");
    }

    public static CrdValidator rewriterModels() throws IOException {
        return forCrd("rewritermodels.palimpsest.io-v1.yml");
    }

    public Map<String, Object> schema() {
        return openApiSchema;
    }

    /** Errors for a create. */
    public List<String> validate(Map<String, Object> object) {
        return validate(object, null);
    }

    /** Errors for an update from oldObject to object (transition rules included). */
    public List<String> validate(Map<String, Object> object, Map<String, Object> oldObject) {
        Map<String, Object> withDefaults = deepCopy(object);
        applyDefaults(openApiSchema, withDefaults);
        Map<String, Object> oldWithDefaults = null;
        if (oldObject != null) {
            oldWithDefaults = deepCopy(oldObject);
            applyDefaults(openApiSchema, oldWithDefaults);
        }
        List<String> errors = new ArrayList<>();
        jsonSchema.validate(JSON.valueToTree(withDefaults))
                .forEach(e -> errors.add(e.getInstanceLocation() + ": " + e.getMessage()));
        if (errors.isEmpty()) {
            // like the API server, CEL runs only on objects that satisfy the schema
            evaluateRules(openApiSchema, withDefaults, oldWithDefaults, "", errors);
        }
        return errors;
    }

    /** Every rule of the CRD with the schema path it sits on. */
    public List<Map.Entry<String, Map<String, Object>>> rules() {
        List<Map.Entry<String, Map<String, Object>>> out = new ArrayList<>();
        collectRules(openApiSchema, "", out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void collectRules(Map<String, Object> schema, String path, List<Map.Entry<String, Map<String, Object>>> out) {
        List<Map<String, Object>> rules = (List<Map<String, Object>>) schema.get("x-kubernetes-validations");
        if (rules != null) {
            rules.forEach(r -> out.add(Map.entry(path, r)));
        }
        Map<String, Object> props = (Map<String, Object>) schema.get("properties");
        if (props != null) {
            props.forEach((k, v) -> collectRules((Map<String, Object>) v, path + "." + k, out));
        }
        Map<String, Object> items = (Map<String, Object>) schema.get("items");
        if (items != null) {
            collectRules(items, path + "[]", out);
        }
        Object additional = schema.get("additionalProperties");
        if (additional instanceof Map) {
            collectRules((Map<String, Object>) additional, path + "{}", out);
        }
    }

    /** Evaluates one rule with the given self (and oldSelf, may be null). */
    public static boolean evaluate(String rule, Object self, Object oldSelf) {
        try {
            var ast = CEL.compile(rule).getAst();
            Map<String, Object> vars = new HashMap<>();
            vars.put("self", self);
            if (oldSelf != null) {
                vars.put("oldSelf", oldSelf);
            }
            Object result = RUNTIME.createProgram(ast).eval(vars);
            return Boolean.TRUE.equals(result);
        } catch (Exception e) {
            throw new IllegalArgumentException("rule '" + rule + "' failed on " + self + ": " + e.getMessage(), e);
        }
    }

    public static void compile(String rule) throws Exception {
        CEL.compile(rule).getAst();
    }

    @SuppressWarnings("unchecked")
    private static void evaluateRules(Map<String, Object> schema, Object value, Object oldValue, String path, List<String> errors) {
        if (value == null) {
            return;
        }
        List<Map<String, Object>> rules = (List<Map<String, Object>>) schema.get("x-kubernetes-validations");
        if (rules != null) {
            Object self = toCel(schema, value);
            Object oldSelf = oldValue == null ? null : toCel(schema, oldValue);
            for (Map<String, Object> rule : rules) {
                String expr = (String) rule.get("rule");
                boolean transition = expr.contains("oldSelf");
                if (transition && oldSelf == null) {
                    continue;
                }
                if (!evaluate(expr, self, oldSelf)) {
                    errors.add((path.isEmpty() ? "<root>" : path.substring(1)) + ": " + rule.get("message"));
                }
            }
        }
        Map<String, Object> props = (Map<String, Object>) schema.get("properties");
        if (props != null && value instanceof Map<?, ?> map) {
            Map<?, ?> oldMap = oldValue instanceof Map<?, ?> m ? m : null;
            props.forEach((k, v) -> evaluateRules((Map<String, Object>) v, map.get(k),
                    oldMap == null ? null : oldMap.get(k), path + "." + k, errors));
        }
        Map<String, Object> items = (Map<String, Object>) schema.get("items");
        if (items != null && value instanceof List<?> list) {
            // list items are correlated with old ones only for map-type lists; ours are atomic
            for (int i = 0; i < list.size(); i++) {
                evaluateRules(items, list.get(i), null, path + "[" + i + "]", errors);
            }
        }
    }

    /** Jackson gives Integer/Double by the literal; CEL wants int64 for integer fields and double for number fields. */
    @SuppressWarnings("unchecked")
    static Object toCel(Map<String, Object> schema, Object value) {
        String type = schema == null ? null : (String) schema.get("type");
        if (value instanceof Number n) {
            if ("number".equals(type)) {
                return n.doubleValue();
            }
            if (n instanceof Double || n instanceof Float) {
                return n.doubleValue();
            }
            return n.longValue();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> props = schema == null ? null : (Map<String, Object>) schema.get("properties");
            Map<String, Object> additional = schema == null || !(schema.get("additionalProperties") instanceof Map)
                    ? null : (Map<String, Object>) schema.get("additionalProperties");
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put((String) k,
                    toCel(props != null && props.containsKey(k) ? (Map<String, Object>) props.get(k) : additional, v)));
            return out;
        }
        if (value instanceof List<?> list) {
            Map<String, Object> items = schema == null ? null : (Map<String, Object>) schema.get("items");
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(toCel(items, v)));
            return out;
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private static void applyDefaults(Map<String, Object> schema, Object value) {
        Map<String, Object> props = (Map<String, Object>) schema.get("properties");
        if (props != null && value instanceof Map) {
            Map<String, Object> map = (Map<String, Object>) value;
            props.forEach((k, v) -> {
                Map<String, Object> child = (Map<String, Object>) v;
                if (!map.containsKey(k) && child.containsKey("default")) {
                    map.put(k, child.get("default"));
                }
                if (map.containsKey(k)) {
                    applyDefaults(child, map.get(k));
                }
            });
        }
        Map<String, Object> items = (Map<String, Object>) schema.get("items");
        if (items != null && value instanceof List) {
            ((List<Object>) value).forEach(v -> applyDefaults(items, v));
        }
    }

    @SuppressWarnings("unchecked")
    private static Object strictCopy(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                String key = (String) k;
                // OpenAPI-only keywords that JSON Schema does not know; the anyOf beside int-or-string already types it
                if (!key.startsWith("x-kubernetes-") && !key.equals("nullable")) {
                    out.put(key, "properties".equals(key) ? strictProperties((Map<String, Object>) v) : strictCopy(v));
                }
            });
            if (out.containsKey("properties") && !out.containsKey("additionalProperties")
                    && !Boolean.TRUE.equals(map.get("x-kubernetes-preserve-unknown-fields"))) {
                out.put("additionalProperties", false);
            }
            return out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(strictCopy(v)));
            return out;
        }
        return node;
    }

    private static Map<String, Object> strictProperties(Map<String, Object> props) {
        Map<String, Object> out = new LinkedHashMap<>();
        props.forEach((k, v) -> out.put(k, strictCopy(v)));
        return out;
    }

    @SuppressWarnings("unchecked")
    static <T> T deepCopy(T value) {
        try {
            return (T) JSON.readValue(JSON.writeValueAsBytes(value), value.getClass());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
