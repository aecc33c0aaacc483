package io.palimpsest.api.lint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks an object against a generated CRD as a strict API server does (kubectl's default
 * {@code --validate=strict}): defaults applied first, then the structural OpenAPI schema (unknown
 * fields are errors), then every x-kubernetes-validations rule on the nodes present, transition
 * rules only when an old object is given. Every error is reported, each with its field path.
 *
 * <p>Written here rather than taken from a JSON-schema library: a structural CRD schema uses a
 * dozen keywords, the messages should read like the API server's, and the worker image (which runs
 * this for {@code palimpsest lint} and {@code local}) stays free of another dependency.
 */
public final class CrdSchema {
    /** The CRDs generated from the api classes ship inside this jar. */
    public static final String RESOURCE_DIR = "META-INF/fabric8/";

    public static final String REWRITE_JOBS = "rewritejobs.palimpsest.io-v1.yml";
    public static final String REWRITER_MODELS = "rewritermodels.palimpsest.io-v1.yml";

    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new JsonMapper();
    private static final CelCompiler CEL = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .build();
    private static final CelRuntime RUNTIME =
            CelRuntimeFactory.standardCelRuntimeBuilder().build();
    private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();
    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();
    private static final Map<String, CrdSchema> BUNDLED = new ConcurrentHashMap<>();
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final int MAX_NAMESPACE = 63;

    private final String group;
    private final String kind;
    private final List<String> versions;
    private final Map<String, Object> schema;

    private CrdSchema(Map<String, Object> crd) {
        Map<String, Object> spec = map(crd.get("spec"));
        this.group = (String) spec.get("group");
        this.kind = (String) map(spec.get("names")).get("kind");
        List<Map<String, Object>> vs = list(spec.get("versions"));
        this.versions = vs.stream().map(v -> (String) v.get("name")).toList();
        this.schema = map(map(vs.get(0).get("schema")).get("openAPIV3Schema"));
    }

    /** A CRD bundled in the api jar ({@link #REWRITE_JOBS}, {@link #REWRITER_MODELS}). */
    public static CrdSchema bundled(String fileName) {
        return BUNDLED.computeIfAbsent(fileName, name -> {
            try (InputStream in = CrdSchema.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + name)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE_DIR + name + " is missing from the api jar");
                }
                return new CrdSchema(map(YAML.readValue(in, Map.class)));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the bundled CRD " + name + ": " + e.getMessage(), e);
            }
        });
    }

    public static CrdSchema rewriteJobs() {
        return bundled(REWRITE_JOBS);
    }

    public static CrdSchema rewriterModels() {
        return bundled(REWRITER_MODELS);
    }

    /** A CRD file on disk (tests read the committed {@code crds/}). */
    public static CrdSchema read(Path crdFile) throws IOException {
        try (InputStream in = Files.newInputStream(crdFile)) {
            return new CrdSchema(map(YAML.readValue(in, Map.class)));
        }
    }

    public String kind() {
        return kind;
    }

    public String apiVersion() {
        return group + "/" + versions.get(0);
    }

    public Map<String, Object> schema() {
        return schema;
    }

    /** The object as the API server would store it: a copy with the schema's defaults filled in. */
    public Map<String, Object> withDefaults(Map<String, Object> object) {
        Map<String, Object> copy = deepCopy(object);
        applyDefaults(schema, copy);
        return copy;
    }

    /** Errors for a create. */
    public List<FieldError> validate(Map<String, Object> object) {
        return validate(object, null);
    }

    /** Errors for an update from {@code oldObject} to {@code object} (transition rules included). */
    public List<FieldError> validate(Map<String, Object> object, Map<String, Object> oldObject) {
        Map<String, Object> current = withDefaults(object);
        Map<String, Object> old = oldObject == null ? null : withDefaults(oldObject);
        List<FieldError> errors = new ArrayList<>();
        checkHeader(current, errors);
        Map<String, Object> body = new LinkedHashMap<>(current);
        body.remove("apiVersion");
        body.remove("kind");
        body.remove("metadata");
        checkNode(schema, body, "", errors);
        // CEL runs only on the parts that satisfy the schema (a rule cannot judge a value of the wrong shape),
        // so a typo elsewhere does not hide a rule's verdict on a field that is well formed
        List<String> broken = errors.stream().map(FieldError::field).toList();
        evaluateRules(schema, body, old, "", broken, errors);
        return errors;
    }

    /**
     * Errors for a part of an object given on its own, such as a recipe file audited by
     * {@code palimpsest validate}: the schema at {@code schemaPath} ({@code spec.recipe}), its
     * defaults and CEL rules, as they apply to that part inside a whole object. Fields are named
     * from the part's own root, after {@code prefix} ({@code ""} or {@code "recipe"}).
     */
    public List<FieldError> validatePart(String schemaPath, Object part, String prefix) {
        Map<String, Object> node = schema;
        for (String key : schemaPath.split("\\.")) {
            node = map(map(node.get("properties")).get(key));
            if (node == null) {
                throw new IllegalArgumentException(kind + " has no field " + schemaPath);
            }
        }
        Object value = deepCopy(part);
        applyDefaults(node, value);
        String path = prefix == null || prefix.isEmpty() ? "" : "." + prefix;
        List<FieldError> errors = new ArrayList<>();
        checkNode(node, value, path, errors);
        List<String> broken = errors.stream().map(FieldError::field).toList();
        evaluateRules(node, value, null, path, broken, errors);
        return errors;
    }

    private void checkHeader(Map<String, Object> object, List<FieldError> errors) {
        Object apiVersion = object.get("apiVersion");
        if (apiVersion == null) {
            errors.add(new FieldError("apiVersion", "Required value: must be " + apiVersion() + " for kind " + kind));
        } else if (versions.stream().noneMatch(v -> (group + "/" + v).equals(apiVersion))) {
            errors.add(new FieldError(
                    "apiVersion", "must be " + apiVersion() + " for kind " + kind + ", got \"" + apiVersion + "\""));
        }
        Object metadata = object.get("metadata");
        if (!(metadata instanceof Map<?, ?> meta) || meta.get("name") == null) {
            errors.add(new FieldError("metadata.name", "Required value: every " + kind + " needs a name"));
        } else if (!(meta.get("name") instanceof String name)
                || name.length() > 253
                || !DNS_SUBDOMAIN.matcher(name).matches()) {
            errors.add(
                    new FieldError(
                            "metadata.name",
                            "Invalid value \"" + meta.get("name")
                                    + "\": lower case letters, digits, '-' and '.', starting and ending with a letter or digit"));
        }
        if (metadata instanceof Map<?, ?> meta && meta.get("namespace") != null) {
            // a namespace is a DNS-1123 label; kubectl (and the API server) refuse any other
            if (!(meta.get("namespace") instanceof String namespace)
                    || namespace.length() > MAX_NAMESPACE
                    || !DNS_LABEL.matcher(namespace).matches()) {
                errors.add(new FieldError(
                        "metadata.namespace",
                        "Invalid value \"" + meta.get("namespace") + "\": a namespace is at most " + MAX_NAMESPACE
                                + " lower case letters, digits and '-', starting and ending with a letter or digit"));
            }
        }
    }

    /** Every rule of the CRD with the schema path it sits on. */
    public List<Map.Entry<String, Map<String, Object>>> rules() {
        List<Map.Entry<String, Map<String, Object>>> out = new ArrayList<>();
        collectRules(schema, "", out);
        return out;
    }

    private static void collectRules(
            Map<String, Object> node, String path, List<Map.Entry<String, Map<String, Object>>> out) {
        List<Map<String, Object>> rules = list(node.get("x-kubernetes-validations"));
        if (rules != null) {
            rules.forEach(r -> out.add(Map.entry(path, r)));
        }
        Map<String, Object> props = map(node.get("properties"));
        if (props != null) {
            props.forEach((k, v) -> collectRules(map(v), path + "." + k, out));
        }
        Map<String, Object> items = map(node.get("items"));
        if (items != null) {
            collectRules(items, path + "[]", out);
        }
        if (node.get("additionalProperties") instanceof Map<?, ?> additional) {
            collectRules(map(additional), path + "{}", out);
        }
    }

    /** Compiles one rule; throws with CEL's message when it does not compile. */
    public static void compile(String rule) throws Exception {
        CEL.compile(rule).getAst();
    }

    /** Evaluates one rule with the given self (and oldSelf, may be null). */
    public static boolean evaluate(String rule, Object self, Object oldSelf) {
        try {
            CelRuntime.Program program = PROGRAMS.computeIfAbsent(rule, r -> {
                try {
                    return RUNTIME.createProgram(CEL.compile(r).getAst());
                } catch (Exception e) {
                    throw new IllegalArgumentException("rule '" + r + "' does not compile: " + e.getMessage(), e);
                }
            });
            Map<String, Object> vars = new HashMap<>();
            vars.put("self", self);
            if (oldSelf != null) {
                vars.put("oldSelf", oldSelf);
            }
            return Boolean.TRUE.equals(program.eval(vars));
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("rule '" + rule + "' failed on " + self + ": " + e.getMessage(), e);
        }
    }

    // ---- structural schema ----

    private static void checkNode(Map<String, Object> node, Object value, String path, List<FieldError> errors) {
        if (value == null) {
            return; // the API server drops nulls of non-nullable fields
        }
        String field = path.isEmpty() ? "<root>" : path.substring(1);
        if (Boolean.TRUE.equals(node.get("x-kubernetes-int-or-string"))) {
            if (!(isInteger(value) || value instanceof String)) {
                errors.add(new FieldError(
                        field, "Invalid value: " + describe(value) + ": must be an integer or a string"));
                return;
            }
        } else if (!typeMatches((String) node.get("type"), value)) {
            errors.add(new FieldError(
                    field, "Invalid value: " + describe(value) + ": must be of type " + node.get("type")));
            return;
        }
        List<Object> allowed = list(node.get("enum"));
        if (allowed != null && allowed.stream().noneMatch(a -> sameValue(a, value))) {
            errors.add(new FieldError(
                    field,
                    "Unsupported value: " + describe(value) + ": supported values: "
                            + allowed.stream().map(CrdSchema::describe).collect(Collectors.joining(", "))));
        }
        if (value instanceof String s) {
            checkString(node, s, field, errors);
        } else if (value instanceof Number n) {
            checkNumber(node, n, field, errors);
        } else if (value instanceof Map<?, ?> object) {
            checkObject(node, object, path, errors);
        } else if (value instanceof List<?> items) {
            Number minItems = (Number) node.get("minItems");
            Number maxItems = (Number) node.get("maxItems");
            if (minItems != null && items.size() < minItems.longValue()) {
                errors.add(new FieldError(
                        field, "Invalid value: must have at least " + minItems + " item(s), has " + items.size()));
            }
            if (maxItems != null && items.size() > maxItems.longValue()) {
                errors.add(new FieldError(
                        field, "Too many: " + items.size() + ": must have at most " + maxItems + " items"));
            }
            Map<String, Object> itemSchema = map(node.get("items"));
            if (itemSchema != null) {
                for (int i = 0; i < items.size(); i++) {
                    checkNode(itemSchema, items.get(i), path + "[" + i + "]", errors);
                }
            }
        }
    }

    private static void checkObject(Map<String, Object> node, Map<?, ?> object, String path, List<FieldError> errors) {
        Map<String, Object> props = map(node.get("properties"));
        List<Object> required = list(node.get("required"));
        if (required != null) {
            for (Object name : required) {
                if (object.get(name) == null) {
                    errors.add(new FieldError(
                            path.isEmpty() ? (String) name : path.substring(1) + "." + name, "Required value"));
                }
            }
        }
        Object additional = node.get("additionalProperties");
        boolean preserveUnknown = Boolean.TRUE.equals(node.get("x-kubernetes-preserve-unknown-fields"));
        for (Map.Entry<?, ?> e : object.entrySet()) {
            String key = String.valueOf(e.getKey());
            String childPath = path + "." + key;
            Map<String, Object> child = props == null ? null : map(props.get(key));
            if (child != null) {
                checkNode(child, e.getValue(), childPath, errors);
            } else if (additional instanceof Map<?, ?> additionalSchema) {
                checkNode(map(additionalSchema), e.getValue(), childPath, errors);
            } else if (!preserveUnknown && !Boolean.TRUE.equals(additional)) {
                errors.add(new FieldError(
                        childPath.substring(1),
                        "unknown field \"" + key + "\"" + suggestion(key, props == null ? Set.of() : props.keySet())));
            }
        }
    }

    private static void checkString(Map<String, Object> node, String s, String field, List<FieldError> errors) {
        Number minLength = (Number) node.get("minLength");
        Number maxLength = (Number) node.get("maxLength");
        int length = s.codePointCount(0, s.length());
        if (minLength != null && length < minLength.longValue()) {
            errors.add(new FieldError(
                    field, "Invalid value: " + describe(s) + ": must be at least " + minLength + " characters"));
        }
        if (maxLength != null && length > maxLength.longValue()) {
            errors.add(new FieldError(field, "Too long: may not be more than " + maxLength + " characters"));
        }
        String pattern = (String) node.get("pattern");
        if (pattern != null
                && !PATTERNS.computeIfAbsent(pattern, Pattern::compile)
                        .matcher(s)
                        .find()) {
            // spec.endpoint.url's pattern is said in words, as --endpoint is refused, never with the URL's secrets
            errors.add(new FieldError(
                    field,
                    EndpointUrlRules.patternRefusal(pattern, s)
                            .orElse("Invalid value: " + describe(s) + ": should match '" + pattern + "'")));
        }
    }

    private static void checkNumber(Map<String, Object> node, Number n, String field, List<FieldError> errors) {
        BigDecimal value = new BigDecimal(n.toString());
        Number minimum = (Number) node.get("minimum");
        Number maximum = (Number) node.get("maximum");
        if (minimum != null && value.compareTo(new BigDecimal(minimum.toString())) < 0) {
            errors.add(new FieldError(
                    field, "Invalid value: " + n + ": should be greater than or equal to " + plain(minimum)));
        }
        boolean above = maximum != null && value.compareTo(new BigDecimal(maximum.toString())) > 0;
        if (above) {
            errors.add(new FieldError(
                    field, "Invalid value: " + n + ": should be less than or equal to " + plain(maximum)));
        }
        boolean below = minimum != null && value.compareTo(new BigDecimal(minimum.toString())) < 0;
        // an integer field without a bound of its own (a Java long, a Kubernetes int64): the API server
        // reads integers as 64-bit, and one past that is not an integer to it
        boolean integer =
                "integer".equals(node.get("type")) || Boolean.TRUE.equals(node.get("x-kubernetes-int-or-string"));
        if (integer && n instanceof BigInteger big && big.bitLength() > 63 && !above && !below) {
            errors.add(new FieldError(
                    field,
                    "Invalid value: " + n + ": should be "
                            + (big.signum() > 0
                                    ? "less than or equal to " + Long.MAX_VALUE
                                    : "greater than or equal to " + Long.MIN_VALUE)
                            + " (a 64-bit integer)"));
        }
    }

    private static String plain(Number n) {
        return new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
    }

    private static boolean typeMatches(String type, Object value) {
        if (type == null) {
            return true;
        }
        return switch (type) {
            case "object" -> value instanceof Map;
            case "array" -> value instanceof List;
            case "string" -> value instanceof String;
            case "boolean" -> value instanceof Boolean;
            case "integer" -> isInteger(value);
            case "number" -> value instanceof Number;
            default -> true;
        };
    }

    private static boolean isInteger(Object value) {
        return value instanceof Integer
                || value instanceof Long
                || value instanceof Short
                || value instanceof BigInteger;
    }

    private static boolean sameValue(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        }
        return a.equals(b);
    }

    private static String describe(Object value) {
        if (value instanceof String s) {
            return "\"" + s + "\"";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "a list";
        }
        return String.valueOf(value);
    }

    /** A near miss such as {@code temprature} for {@code temperature}: one or two edits away. */
    public static String suggestion(String key, Set<String> known) {
        return nearest(key, known)
                .map(best -> " (did you mean \"" + best + "\"?)")
                .orElse("");
    }

    /** The name of {@code known} one or two edits away from {@code key} (the nearest), if there is one. */
    public static Optional<String> nearest(String key, Set<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : known) {
            int d = editDistance(key.toLowerCase(), candidate.toLowerCase());
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    // ---- CEL rules ----

    private static void evaluateRules(
            Map<String, Object> node,
            Object value,
            Object oldValue,
            String path,
            List<String> broken,
            List<FieldError> errors) {
        if (value == null) {
            return;
        }
        String field = path.isEmpty() ? "" : path.substring(1);
        boolean wellFormed = broken.stream()
                .noneMatch(b ->
                        field.isEmpty() || b.equals(field) || b.startsWith(field + ".") || b.startsWith(field + "["));
        List<Map<String, Object>> rules = list(node.get("x-kubernetes-validations"));
        if (rules != null && wellFormed) {
            Object self = toCel(node, value);
            Object oldSelf = oldValue == null ? null : toCel(node, oldValue);
            for (Map<String, Object> rule : rules) {
                String expr = (String) rule.get("rule");
                if (expr.contains("oldSelf") && oldSelf == null) {
                    continue;
                }
                if (!evaluate(expr, self, oldSelf)) {
                    Object message = rule.get("message");
                    errors.add(new FieldError(
                            path.isEmpty() ? "<root>" : path.substring(1),
                            message != null ? String.valueOf(message) : "Invalid value: failed rule: " + expr));
                }
            }
        }
        Map<String, Object> props = map(node.get("properties"));
        if (props != null && value instanceof Map<?, ?> object) {
            Map<?, ?> oldObject = oldValue instanceof Map<?, ?> m ? m : null;
            props.forEach((k, v) -> evaluateRules(
                    map(v),
                    object.get(k),
                    oldObject == null ? null : oldObject.get(k),
                    path + "." + k,
                    broken,
                    errors));
        }
        Map<String, Object> items = map(node.get("items"));
        if (items != null && value instanceof List<?> list) {
            // list items are correlated with old ones only for map-type lists; ours are atomic
            for (int i = 0; i < list.size(); i++) {
                evaluateRules(items, list.get(i), null, path + "[" + i + "]", broken, errors);
            }
        }
    }

    /** Jackson gives Integer/Double by the literal; CEL wants int64 for integer fields and double for number fields. */
    public static Object toCel(Map<String, Object> node, Object value) {
        String type = node == null ? null : (String) node.get("type");
        if (value instanceof Number n) {
            if ("number".equals(type) || n instanceof Double || n instanceof Float) {
                return n.doubleValue();
            }
            return n.longValue();
        }
        if (value instanceof Map<?, ?> object) {
            Map<String, Object> props = node == null ? null : map(node.get("properties"));
            Map<String, Object> additional =
                    node != null && node.get("additionalProperties") instanceof Map<?, ?> a ? map(a) : null;
            Map<String, Object> out = new LinkedHashMap<>();
            object.forEach((k, v) -> {
                if (v != null) {
                    out.put(
                            (String) k,
                            toCel(props != null && props.containsKey(k) ? map(props.get(k)) : additional, v));
                }
            });
            return out;
        }
        if (value instanceof List<?> items) {
            Map<String, Object> itemSchema = node == null ? null : map(node.get("items"));
            List<Object> out = new ArrayList<>();
            items.forEach(v -> out.add(toCel(itemSchema, v)));
            return out;
        }
        return value;
    }

    // ---- defaults and copies ----

    private static void applyDefaults(Map<String, Object> node, Object value) {
        CrdDefaults.fill(node, value);
    }

    @SuppressWarnings("unchecked")
    public static <T> T deepCopy(T value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        Class<?> type = value instanceof Map ? Map.class : value instanceof List ? List.class : value.getClass();
        try {
            return (T) JSON.readValue(JSON.writeValueAsBytes(value), type);
        } catch (IOException e) {
            throw new IllegalStateException(e);
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
