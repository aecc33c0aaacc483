package io.palimpsest.operator.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.DefaultMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;
import io.palimpsest.api.lint.CrdDefaults;
import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.api.lint.FieldError;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API layer of the simulated cluster: a dispatcher put in front of the Fabric8 mock API
 * server's own (CRUD) one that does what a real API server does before it stores an object and
 * the mock server does not:
 * <ul>
 * <li>defaulting of RewriteJobs and RewriterModels: a create or replace is stored with the CRD
 *     schema's defaults filled in, so the operator reads what it reads from a real API server;</li>
 * <li>validation of RewriteJobs and RewriterModels against their CRD's OpenAPI schema and CEL rules, by
 *     the same {@link CrdSchema} that {@code palimpsest lint} and {@code local} use
 *     ({@link #customResourceErrors}): an invalid create, replace or patch is answered 422 Invalid with
 *     a cause per field and nothing is stored, so a test cannot create an object a cluster refuses;</li>
 * <li>validation of the kinds the operator creates (Job, its pod template, Pod, Deployment,
 *     PersistentVolumeClaim, ConfigMap, Service) by {@link ApiValidation}: an invalid create, update or
 *     patch is answered 422 Unprocessable Entity with a {@code Status} naming each field, as the
 *     real server answers, and nothing is stored;</li>
 * <li>graceful pod deletion: deleting a scheduled, unfinished pod does not remove it; it gets a
 *     deletionTimestamp (the mock server sets it because a finalizer, {@link #GRACEFUL_FINALIZER},
 *     holds the object) and stays Terminating until the kubelet has stopped its container and
 *     removes the finalizer, which is the kubelet's final grace-0 delete of a real node.</li>
 * <li>foreground deletion: an object of any kind (pods aside) deleted with
 *     {@code propagationPolicy: Foreground} gets the {@link #FOREGROUND_FINALIZER} and a
 *     deletionTimestamp and stays until {@link GarbageCollector} has deleted its dependents and
 *     removed the finalizer (kubectl's {@code --cascade=foreground}). Background and orphan deletes
 *     are unchanged (background: the object goes at once, the collector takes its dependents).</li>
 * <li>namespace deletion: a deleted Namespace stays, phase Terminating, with the
 *     {@link #NAMESPACE_FINALIZER}, until {@link NamespaceController} has deleted everything in it;
 *     meanwhile a create in it is refused 403 Forbidden ("unable to create new content in namespace
 *     ... because it is being terminated"), as the NamespaceLifecycle admission plugin refuses it.
 *     Without a NamespaceController (it is opt-in) a deleted namespace stays Terminating, as on a
 *     cluster whose controller manager is down.</li>
 * </ul>
 * Use as {@code @WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)}, or
 * {@link #install} on a server of one's own. Collection deletes (clean-up) pass through unchanged.
 */
public final class ValidatingApiServer implements Consumer<KubernetesServer> {

    /** Held by a pod from its graceful delete until the kubelet reports its container stopped. */
    public static final String GRACEFUL_FINALIZER = "sim.palimpsest.io/graceful-termination";
    /** Kubernetes' own: an object deleted with propagationPolicy Foreground waits for its dependents. */
    public static final String FOREGROUND_FINALIZER = "foregroundDeletion";
    /** Kubernetes' own (spec.finalizers there; metadata here, which the mock server honours): a namespace being emptied. */
    public static final String NAMESPACE_FINALIZER = "kubernetes";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** One namespaced object of any kind, no subresource. */
    private static final Pattern ANY_OBJECT_PATH =
            Pattern.compile("^/(?:api/v1|apis/[^/]+/[^/]+)/namespaces/([^/]+)/([^/?]+)/([^/?]+)(?:\\?.*)?$");
    /** A create of a namespaced object of any kind. */
    private static final Pattern ANY_CREATE_PATH =
            Pattern.compile("^/(?:api/v1|apis/[^/]+/[^/]+)/namespaces/([^/]+)/([^/?]+)(?:\\?.*)?$");

    /** A RewriteJob or RewriterModel, or their collection; no subresource (status has no defaults). */
    private static final Pattern CUSTOM_RESOURCE_PATH = Pattern.compile(
            "^/apis/palimpsest\\.io/v1alpha1/namespaces/([^/]+)/(rewritejobs|rewritermodels)(?:/([^/?]+))?(?:\\?.*)?$");

    private static final Pattern NAMESPACE_PATH = Pattern.compile("^/api/v1/namespaces/([^/?]+)(?:\\?.*)?$");
    private static final Pattern OBJECT_PATH = Pattern.compile(
            "^/(?:api/v1|apis/(batch|apps)/v1)/namespaces/([^/]+)/(jobs|deployments|pods|persistentvolumeclaims|configmaps|services)(?:/([^/?]+))?(/[a-z]+)?(?:\\?.*)?$");

    @Override
    public void accept(KubernetesServer server) {
        install(server.getKubernetesMockServer());
    }

    /** Puts the validating dispatcher in front of {@code server}'s own, once. */
    public static void install(KubernetesMockServer server) {
        install(server, List.of());
    }

    /**
     * Only the RewriteJob and RewriterModel part (defaults, schema and CEL rules): for tests that play the
     * built-in controllers by hand with objects of their own making, on a plain CRUD mock server.
     * {@code predatedRules} as in {@link #install(KubernetesMockServer, List)}.
     */
    public static void installForCustomResources(KubernetesMockServer server, List<String> predatedRules) {
        put(server, predatedRules, false);
    }

    /** {@code @WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.CustomResources.class)}. */
    public static final class CustomResources implements Consumer<KubernetesServer> {
        @Override
        public void accept(KubernetesServer server) {
            installForCustomResources(server.getKubernetesMockServer(), List.of());
        }
    }

    /**
     * As {@link #install(KubernetesMockServer)}, on a cluster whose CRDs predate some CEL rules: a RewriteJob or
     * RewriterModel error whose message starts with one of {@code predatedRules} is not enforced (how a test
     * shows what the operator does on such a cluster). Every other rule is.
     */
    public static void install(KubernetesMockServer server, List<String> predatedRules) {
        put(server, predatedRules, true);
    }

    private static void put(KubernetesMockServer server, List<String> predatedRules, boolean builtIns) {
        try {
            Field serverField = DefaultMockServer.class.getDeclaredField("server");
            serverField.setAccessible(true);
            MockWebServer web = (MockWebServer) serverField.get(server);
            Field dispatcherField = MockWebServer.class.getDeclaredField("dispatcher");
            dispatcherField.setAccessible(true);
            Dispatcher current = (Dispatcher) dispatcherField.get(web);
            if (!(current instanceof Front)) {
                // load the CRDs and CEL now, not within a client's request timeout at the first create
                customResourceErrors("rewritejobs", JSON.createObjectNode(), null, false);
                customResourceErrors("rewritermodels", JSON.createObjectNode(), null, false);
                web.setDispatcher(new Front(current, predatedRules, builtIns));
            } else if (!((Front) current).predatedRules.equals(predatedRules)
                    || ((Front) current).builtIns != builtIns) {
                throw new IllegalStateException("the validating API server is installed already, with other rules");
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot put validation in front of the mock API server", e);
        }
    }

    private static final class Front extends Dispatcher {
        private final Dispatcher store;
        private final List<String> predatedRules;
        /** Set at the first namespace delete: only then is a create checked against its namespace's phase. */
        private volatile boolean namespaceDeleted;

        /** False: only RewriteJobs and RewriterModels are checked; built-in kinds reach the store as they come. */
        private final boolean builtIns;

        Front(Dispatcher store, List<String> predatedRules, boolean builtIns) {
            this.store = store;
            this.predatedRules = List.copyOf(predatedRules);
            this.builtIns = builtIns;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            HttpMethod method = request.method();
            if (builtIns && (method == HttpMethod.DELETE || (method == HttpMethod.POST && namespaceDeleted))) {
                byte[] bytes = request.getBody() == null
                        ? new byte[0]
                        : request.getBody().getBytes();
                request = new RecordedRequest(
                        request.getHttpVersion(), method, request.getPath(), request.getHeaders(), new Buffer(bytes));
                try {
                    MockResponse lifecycle = lifecycle(request, new String(bytes, StandardCharsets.UTF_8));
                    if (lifecycle != null) {
                        return lifecycle;
                    }
                } catch (Exception e) {
                    return store.dispatch(request);
                }
            }
            Matcher custom = CUSTOM_RESOURCE_PATH.matcher(request.getPath());
            if (custom.matches()
                    && ((method == HttpMethod.POST && custom.group(3) == null)
                            || ((method == HttpMethod.PUT || method == HttpMethod.PATCH) && custom.group(3) != null))) {
                return customResource(request, custom);
            }
            Matcher m = OBJECT_PATH.matcher(request.getPath());
            if (!builtIns || !m.matches() || m.group(5) != null) {
                return store.dispatch(
                        request); // not ours, a list, or a subresource (status writes are the controllers')
            }
            String plural = m.group(3);
            String name = m.group(4);
            // The body can be read once: keep its bytes and hand the store a fresh copy.
            byte[] bytes =
                    request.getBody() == null ? new byte[0] : request.getBody().getBytes();
            String text = new String(bytes, StandardCharsets.UTF_8);
            request = new RecordedRequest(
                    request.getHttpVersion(), method, request.getPath(), request.getHeaders(), new Buffer(bytes));
            try {
                if (method == HttpMethod.DELETE && plural.equals("pods") && name != null) {
                    return deletePod(request, text, name);
                }
                JsonNode incoming;
                if (method == HttpMethod.POST && name == null) {
                    incoming = JSON.readTree(text);
                } else if (method == HttpMethod.PUT && name != null) {
                    incoming = JSON.readTree(text);
                } else if (method == HttpMethod.PATCH && name != null) {
                    JsonNode current = read(request.getPath());
                    if (current == null) {
                        return store.dispatch(request);
                    }
                    incoming = patched(current, request, text);
                } else {
                    return store.dispatch(request);
                }
                List<String> errors =
                        validate(plural, incoming, method == HttpMethod.POST ? null : read(request.getPath()));
                if (!errors.isEmpty()) {
                    return invalid(
                            plural,
                            m.group(1),
                            incoming.path("metadata").path("name").asText(name),
                            errors);
                }
            } catch (Exception e) {
                return store.dispatch(request); // let the store answer what it cannot parse, as it did before
            }
            return store.dispatch(request);
        }

        /**
         * A create, replace or patch of a RewriteJob or RewriterModel: checked against its CRD's schema and
         * CEL rules by the validator {@code palimpsest lint} uses ({@link CrdSchema}), refused 422 as the real
         * API server refuses it, else stored (a create or replace with the schema's defaults filled in).
         */
        private MockResponse customResource(RecordedRequest request, Matcher path) {
            HttpMethod method = request.method();
            byte[] bytes =
                    request.getBody() == null ? new byte[0] : request.getBody().getBytes();
            request = new RecordedRequest(
                    request.getHttpVersion(), method, request.getPath(), request.getHeaders(), new Buffer(bytes));
            String plural = path.group(2);
            JsonNode old;
            JsonNode incoming;
            try {
                String text = new String(bytes, StandardCharsets.UTF_8);
                old = method == HttpMethod.POST ? null : read(request.getPath());
                if (method == HttpMethod.PATCH) {
                    if (old == null) {
                        return store.dispatch(request);
                    }
                    incoming = patched(old, request, text);
                } else {
                    incoming = JSON.readTree(text);
                }
            } catch (Exception e) {
                return store.dispatch(request); // the store answers what it cannot parse
            }
            if (!incoming.isObject()) {
                return store.dispatch(request);
            }
            // outside the try: a validator that cannot run fails the test, it does not let the object through
            boolean strict = request.getPath().contains("fieldValidation=Strict");
            List<String> errors = customResourceErrors(plural, incoming, old, strict).stream()
                    .filter(e -> predatedRules.stream()
                            .noneMatch(r -> e.substring(e.indexOf(": ") + 2).startsWith(r)))
                    .toList();
            if (!errors.isEmpty()) {
                return invalid(
                        plural,
                        "palimpsest.io",
                        incoming.path("metadata").path("name").asText(path.group(3)),
                        errors);
            }
            return method == HttpMethod.PATCH ? store.dispatch(request) : store.dispatch(defaulted(request, plural));
        }

        /**
         * The request with its object's CRD schema defaults filled in, as the API server fills them before it
         * stores a custom resource; a body it cannot read goes on as it came.
         */
        private static RecordedRequest defaulted(RecordedRequest request, String plural) {
            byte[] bytes =
                    request.getBody() == null ? new byte[0] : request.getBody().getBytes();
            try {
                JsonNode object = JSON.readTree(bytes);
                String crd = plural.equals("rewritejobs") ? CrdSchema.REWRITE_JOBS : CrdSchema.REWRITER_MODELS;
                bytes = JSON.writeValueAsBytes(
                        CrdDefaults.bundled(crd).apply("", JSON.convertValue(object, Map.class)));
            } catch (Exception e) {
                // the store answers what it cannot parse
            }
            return new RecordedRequest(
                    request.getHttpVersion(),
                    request.method(),
                    request.getPath(),
                    request.getHeaders(),
                    new Buffer(bytes));
        }

        /** Namespace deletion, creates in a terminating namespace, foreground deletes; null: not one of these. */
        private MockResponse lifecycle(RecordedRequest request, String body) throws Exception {
            String path = request.getPath();
            if (request.method() == HttpMethod.POST) {
                Matcher create = ANY_CREATE_PATH.matcher(path);
                if (!create.matches()) {
                    return null;
                }
                JsonNode namespace = read("/api/v1/namespaces/" + create.group(1));
                if (namespace == null || !namespace.path("metadata").has("deletionTimestamp")) {
                    return null;
                }
                String name = JSON.readTree(body).path("metadata").path("name").asText("");
                return forbidden(
                        create.group(2),
                        name,
                        "unable to create new content in namespace " + create.group(1)
                                + " because it is being terminated");
            }
            Matcher namespace = NAMESPACE_PATH.matcher(path);
            if (namespace.matches()) {
                namespaceDeleted = true;
                return holdWith(request, NAMESPACE_FINALIZER, true);
            }
            Matcher object = ANY_OBJECT_PATH.matcher(path);
            if (object.matches()
                    && !object.group(2).equals("pods")
                    && body.replace(" ", "").contains("\"propagationPolicy\":\"Foreground\"")) {
                return holdWith(request, FOREGROUND_FINALIZER, false);
            }
            return null;
        }

        /** Adds {@code finalizer} to the object (so the store's delete only marks it), then deletes it. */
        private MockResponse holdWith(RecordedRequest request, String finalizer, boolean terminatingPhase)
                throws Exception {
            JsonNode current = read(request.getPath());
            if (current == null || current.path("metadata").has("deletionTimestamp")) {
                return store.dispatch(request);
            }
            ObjectNode held = current.deepCopy();
            ArrayNode finalizers = held.with("metadata").withArray("finalizers");
            finalizers.add(finalizer);
            if (terminatingPhase) {
                held.with("status").put("phase", "Terminating");
            }
            MockResponse put = store.dispatch(new RecordedRequest(
                    "HTTP/1.1",
                    HttpMethod.PUT,
                    stripQuery(request.getPath()),
                    jsonHeaders(),
                    new Buffer(JSON.writeValueAsBytes(held))));
            if (put.code() >= 300) {
                return put;
            }
            return store.dispatch(request);
        }

        private MockResponse deletePod(RecordedRequest request, String body, String name) throws Exception {
            JsonNode pod = read(request.getPath());
            boolean graceZero = body.contains("\"gracePeriodSeconds\":0");
            String phase = pod == null ? "" : pod.path("status").path("phase").asText("");
            boolean scheduled =
                    pod != null && !pod.path("spec").path("nodeName").asText("").isEmpty();
            boolean finished = phase.equals("Succeeded") || phase.equals("Failed");
            if (pod == null
                    || graceZero
                    || !scheduled
                    || finished
                    || pod.path("metadata").has("deletionTimestamp")) {
                return store.dispatch(request);
            }
            ObjectNode held = pod.deepCopy();
            ArrayNode finalizers = held.with("metadata").withArray("finalizers");
            finalizers.add(GRACEFUL_FINALIZER);
            MockResponse put = store.dispatch(new RecordedRequest(
                    "HTTP/1.1",
                    HttpMethod.PUT,
                    stripQuery(request.getPath()),
                    jsonHeaders(),
                    new Buffer(JSON.writeValueAsBytes(held))));
            if (put.code() >= 300) {
                return put;
            }
            return store.dispatch(request);
        }

        private JsonNode read(String path) throws Exception {
            MockResponse got = store.dispatch(
                    new RecordedRequest("HTTP/1.1", HttpMethod.GET, stripQuery(path), jsonHeaders(), new Buffer()));
            if (got.code() != 200 || got.getBody() == null) {
                return null;
            }
            return JSON.readTree(new String(got.getBody().getBytes(), StandardCharsets.UTF_8));
        }

        private static JsonNode patched(JsonNode current, RecordedRequest request, String body) throws Exception {
            String type = String.valueOf(request.getHeader("Content-Type")) + request.getHeader("content-type");
            JsonNode patch = JSON.readTree(body);
            if (type.contains("json-patch")) {
                return JsonPatch.apply(patch, current);
            }
            return mergePatch(current.deepCopy(), patch);
        }
    }

    /** RFC 7386: objects merge key by key, null removes, anything else replaces. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode out = target != null && target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getValue().isNull()) {
                out.remove(f.getKey());
            } else {
                out.set(f.getKey(), mergePatch(out.get(f.getKey()), f.getValue()));
            }
        }
        return out;
    }

    static List<String> validate(String plural, JsonNode object, JsonNode old) {
        return switch (plural) {
            case "jobs" ->
                ApiValidation.job(
                        Serialization.unmarshal(object.toString(), Job.class),
                        old == null ? null : Serialization.unmarshal(old.toString(), Job.class));
            case "pods" -> ApiValidation.pod(Serialization.unmarshal(object.toString(), Pod.class));
            case "deployments" ->
                ApiValidation.deployment(Serialization.unmarshal(object.toString(), Deployment.class));
            case "persistentvolumeclaims" ->
                ApiValidation.pvc(
                        Serialization.unmarshal(object.toString(), PersistentVolumeClaim.class),
                        old == null ? null : Serialization.unmarshal(old.toString(), PersistentVolumeClaim.class));
            case "services" -> ApiValidation.service(Serialization.unmarshal(object.toString(), Service.class));
            case "configmaps" -> ApiValidation.configMap(Serialization.unmarshal(object.toString(), ConfigMap.class));
            default -> List.of();
        };
    }

    /**
     * Why the API server refuses this RewriteJob or RewriterModel ({@code old}: the stored object, for an
     * update), as {@code field: message}: the CRD's schema and CEL rules, by {@link CrdSchema}. As the real
     * server: status is not judged (the main resource ignores it; a create drops it); an unknown field is
     * refused only when the request asks {@code fieldValidation=Strict} (kubectl's default), else dropped
     * with a warning; a generated name is judged as the name it will get; and an update is refused only for
     * what it breaks, not for what the stored object already had (CRD validation ratcheting).
     */
    static List<String> customResourceErrors(String plural, JsonNode object, JsonNode old, boolean strict) {
        CrdSchema schema =
                CrdSchema.bundled(plural.equals("rewritejobs") ? CrdSchema.REWRITE_JOBS : CrdSchema.REWRITER_MODELS);
        List<FieldError> errors = schema.validate(plain(object, true), old == null ? null : plain(old, false));
        if (old != null) {
            List<FieldError> before = schema.validate(plain(old, false), null);
            errors = errors.stream().filter(e -> !before.contains(e)).toList();
        }
        return errors.stream()
                .filter(e -> strict || !e.message().startsWith("unknown field "))
                .map(FieldError::toString)
                .toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> plain(JsonNode object, boolean generateName) {
        Map<String, Object> map = JSON.convertValue(object, Map.class);
        map.remove("status");
        if (generateName
                && map.get("metadata") instanceof Map<?, ?> meta
                && meta.get("name") == null
                && meta.get("generateName") instanceof String prefix) {
            ((Map<String, Object>) meta).put("name", prefix + "x2k9q");
        }
        return map;
    }

    /** The answer of a real API server: {@code <Kind>.<group> "<name>" is invalid: <field>: <detail>, ...}. */
    private static MockResponse invalid(String plural, String group, String name, List<String> errors) {
        String kind =
                switch (plural) {
                    case "jobs" -> "Job";
                    case "deployments" -> "Deployment";
                    case "pods" -> "Pod";
                    case "persistentvolumeclaims" -> "PersistentVolumeClaim";
                    case "services" -> "Service";
                    case "rewritejobs" -> "RewriteJob";
                    case "rewritermodels" -> "RewriterModel";
                    default -> "ConfigMap";
                };
        String qualified = group == null ? kind : kind + "." + group;
        ObjectNode status = ApiStatus.failure(
                422, "Invalid", qualified + " \"" + name + "\" is invalid: " + String.join(", ", errors));
        ObjectNode details = status.putObject("details");
        details.put("name", name);
        if (group != null) {
            details.put("group", group);
        }
        details.put("kind", plural);
        ArrayNode causes = details.putArray("causes");
        for (String e : errors) {
            int colon = e.indexOf(": ");
            ObjectNode cause = causes.addObject();
            cause.put(
                    "reason",
                    e.contains("Required value")
                            ? "FieldValueRequired"
                            : e.contains("Forbidden: ")
                                    ? "FieldValueForbidden"
                                    : e.contains("Unsupported value: ")
                                            ? "FieldValueNotSupported"
                                            : e.contains("Too long: ")
                                                    ? "FieldValueTooLong"
                                                    : e.contains("Too many: ")
                                                            ? "FieldValueTooMany"
                                                            : "FieldValueInvalid");
            cause.put("message", colon < 0 ? e : e.substring(colon + 2));
            cause.put("field", colon < 0 ? "" : e.substring(0, colon));
        }
        return ApiStatus.response(status);
    }

    /** A refusal by admission: {@code 403 Forbidden}, reason Forbidden. */
    private static MockResponse forbidden(String plural, String name, String why) {
        ObjectNode status = ApiStatus.failure(403, "Forbidden", plural + " \"" + name + "\" is forbidden: " + why);
        ObjectNode details = status.putObject("details");
        details.put("name", name);
        details.put("kind", plural);
        return ApiStatus.response(status);
    }

    private static Headers jsonHeaders() {
        return Headers.builder().add("Content-Type", "application/json").build();
    }

    private static String stripQuery(String path) {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }
}
