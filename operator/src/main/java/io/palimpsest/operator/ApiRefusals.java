package io.palimpsest.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's answers a reconcile must report rather than throw into the framework's retry
 * loop: 403 Forbidden (the operator's role lacks a grant; the same call fails until the role is
 * fixed) and the answers that refuse the object itself, which the same object gets again however
 * often it is sent ({@link #permanent}). Shared by the RewriteJob and RewriterModel reconcilers, so
 * both name the verb, resource and field the same way.
 *
 * <p>Which answers are permanent for the same object, and why:
 * <ul>
 * <li>422 Unprocessable Entity: the object fails validation;</li>
 * <li>400 Bad Request: the body cannot be decoded as the kind (a quantity like {@code 8GB}, a field of
 *     the wrong type), or an admission webhook denied it without a code of its own (the API server
 *     answers such a denial 400);</li>
 * <li>405 Method Not Allowed, 415 Unsupported Media Type: the verb or the patch type is not served for
 *     the resource, which no retry changes;</li>
 * <li>413 Request Entity Too Large: the object is over the API server's or etcd's size limit;</li>
 * <li>an admission denial (a webhook's {@code admission webhook "..." denied the request}, a
 *     ValidatingAdmissionPolicy's {@code ... denied request}) with any other 4xx code the policy chose,
 *     403 included: a policy's verdict on the object, not a missing grant of the operator's role;
 *     but not 408, 409 or 429, which say "not now".</li>
 * </ul>
 * Retried by the framework: 404 (on a create, the namespace is gone, and so is the owner with it; on
 * an update, the object was deleted since and the next reconcile makes it again), 408, 409 Conflict,
 * 410 Gone, 429 Too Many Requests, 401 outside an admission denial (a credential being rotated), every
 * 5xx (a webhook that cannot be reached answers 500) and answers that never came (timeouts).
 */
public final class ApiRefusals {
    public static final int UNPROCESSABLE_ENTITY = 422;
    public static final int TOO_MANY_REQUESTS = 429;

    /** How the authorizer words a denial: {@code ... cannot patch resource "deployments" in API group "apps" ...}. */
    private static final Pattern DENIED_VERB = Pattern.compile("cannot ([a-z]+) resource \"");

    private ApiRefusals() {}

    /**
     * Appended to a {@link Forbidden}'s message in a status: where the missing grant is found, and how often the
     * operator tries again ({@code recheck}: fixing a Role sends it no event).
     */
    public static String chartRbac(Duration recheck) {
        return "; the chart's templates/rbac.yaml grants every call the operator makes: add the grant to the"
                + " operator's Role or ClusterRole (or upgrade the release); the operator tries again every "
                + (recheck.toMillis() % 1000 == 0 ? recheck.toSeconds() + " s" : recheck.toMillis() + " ms");
    }

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
     * The API server refused an object for good ({@link #permanent}: 422 invalid, 400 undecodable, 413
     * too large, an admission policy's denial, ...): its message names the object and, for a 422, the
     * field ({@code Deployment.apps "m-vllm" is invalid: spec.template.spec.tolerations[0].effect: ...}).
     */
    public static final class Invalid extends RuntimeException {
        public Invalid(String message) {
            super(message);
        }
    }

    /** Matches how admission denies: a webhook's {@code admission webhook "x" denied the request}, a ValidatingAdmissionPolicy's {@code ... denied request}. */
    private static final Pattern ADMISSION_DENIAL = Pattern.compile(
            "admission webhook \"[^\"]*\" denied the request|ValidatingAdmissionPolicy .* denied request");

    /** 403 from the authorizer: the operator's role lacks a grant (an admission policy's 403 is {@link #permanent}). */
    public static boolean forbidden(KubernetesClientException e) {
        return e.getCode() == HttpURLConnection.HTTP_FORBIDDEN && !admissionDenial(e);
    }

    /**
     * The API server refused the object itself: the same object sent again gets the same answer, so
     * the reconcile reports it rather than retrying it (see the class comment for which answers).
     */
    public static boolean permanent(KubernetesClientException e) {
        int code = e.getCode();
        return switch (code) {
            case HttpURLConnection.HTTP_BAD_REQUEST,
                    HttpURLConnection.HTTP_BAD_METHOD,
                    HttpURLConnection.HTTP_ENTITY_TOO_LARGE,
                    HttpURLConnection.HTTP_UNSUPPORTED_TYPE,
                    UNPROCESSABLE_ENTITY -> true;
            case HttpURLConnection.HTTP_CLIENT_TIMEOUT, HttpURLConnection.HTTP_CONFLICT, TOO_MANY_REQUESTS -> false;
            default -> code >= 400 && code < 500 && admissionDenial(e);
        };
    }

    /** An admission webhook or ValidatingAdmissionPolicy denied the request (whatever code it chose). */
    public static boolean admissionDenial(KubernetesClientException e) {
        String detail = detail(e);
        return detail != null && ADMISSION_DENIAL.matcher(detail).find();
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
