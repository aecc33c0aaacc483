package io.palimpsest.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's answers a reconcile must report rather than throw into the framework's retry
 * loop: 403 Forbidden (the operator's role lacks a grant; the same call fails until the role is
 * fixed) and 422 Unprocessable Entity (the object is invalid; the same object is refused again).
 * Shared by the RewriteJob and RewriterModel reconcilers, so both name the verb, resource and
 * field the same way.
 */
public final class ApiRefusals {
    public static final int UNPROCESSABLE_ENTITY = 422;

    /** How the authorizer words a denial: {@code ... cannot patch resource "deployments" in API group "apps" ...}. */
    private static final Pattern DENIED_VERB = Pattern.compile("cannot ([a-z]+) resource \"");

    private ApiRefusals() {}

    /**
     * The API server refused a call for want of a grant (403 Forbidden): the operator's Role or
     * ClusterRole lacks {@code verb} on {@code resource}. The same call fails until the role is fixed,
     * so the reconcile reports it and looks again later rather than throwing into the retry loop.
     */
    public static final class Forbidden extends RuntimeException {
        private final String verb;
        private final String resource;

        public Forbidden(String verb, String resource, String namespace, String detail) {
            super("the operator's role lacks " + verb + " on " + resource
                    + (namespace == null ? "" : " in namespace " + namespace)
                    + " (the API server answered 403: " + detail + ")");
            this.verb = verb;
            this.resource = resource;
        }

        public String verb() {
            return verb;
        }

        /** As RBAC names it: {@code pods}, {@code jobs.batch}. */
        public String resource() {
            return resource;
        }
    }

    /**
     * The API server refused an object as invalid (422): its message names the object and the field
     * ({@code Deployment.apps "m-vllm" is invalid: spec.template.spec.tolerations[0].effect: ...}).
     */
    public static final class Invalid extends RuntimeException {
        public Invalid(String message) {
            super(message);
        }
    }

    public static boolean forbidden(KubernetesClientException e) {
        return e.getCode() == HttpURLConnection.HTTP_FORBIDDEN;
    }

    public static boolean invalid(KubernetesClientException e) {
        return e.getCode() == UNPROCESSABLE_ENTITY;
    }

    /** The API server's own message (its Status), else the client's. */
    public static String detail(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : e.getMessage();
    }

    /**
     * {@link Forbidden} for {@code verb} (as sent; the authorizer's own word for it when its message
     * has one, e.g. a server-side apply that creates is authorized as create) on {@code type}.
     */
    public static Forbidden forbidden(
            KubernetesClientException e, String verb, Class<? extends HasMetadata> type, String namespace) {
        return forbidden(e, verb, rbacResource(type), namespace);
    }

    /** {@link Forbidden} for {@code verb} on {@code resource} as RBAC names it ({@code deployments.apps}). */
    public static Forbidden forbidden(KubernetesClientException e, String verb, String resource, String namespace) {
        String detail = detail(e);
        Matcher denied = DENIED_VERB.matcher(detail == null ? "" : detail);
        return new Forbidden(denied.find() ? denied.group(1) : verb, resource, namespace, detail);
    }

    /** {@code the API server refused to <what> <Kind> <name>: <its message>}. */
    public static String rejected(KubernetesClientException e, String what, HasMetadata object) {
        return rejected(e, what, object.getKind(), object.getMetadata().getName());
    }

    public static String rejected(KubernetesClientException e, String what, String kind, String name) {
        return "the API server refused to " + what + " " + kind + " " + name + ": " + detail(e);
    }

    /** The resource as a Role's rule names it: plural, then the API group when not the core one. */
    public static String rbacResource(Class<? extends HasMetadata> type) {
        String plural = HasMetadata.getPlural(type);
        String group = HasMetadata.getGroup(type);
        return group == null || group.isEmpty() ? plural : plural + "." + group;
    }
}
