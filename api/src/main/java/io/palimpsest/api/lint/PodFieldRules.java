package io.palimpsest.api.lint;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The API server's rules on pod fields a RewriteJob or RewriterModel copies into the pods the
 * operator makes (env variable names, image pull secrets, resource requests and limits), which the
 * CRDs copy the types of but not the rules: the manifest is stored, and the Deployment or Job made
 * from it is then refused (422). Shared by {@link JobSpecRules} and {@link ModelSpecRules}, so
 * {@code palimpsest lint}, {@code local} and the operator refuse such a spec alike, on its field, in
 * the API server's words.
 */
final class PodFieldRules {
    /**
     * Kubernetes' environment variable name ({@code validation.IsEnvVarName}). Clusters with the
     * RelaxedEnvironmentVariableValidation gate accept more; this is what every cluster accepts.
     */
    private static final Pattern ENV_NAME = Pattern.compile("^[-._a-zA-Z][-._a-zA-Z0-9]*$");

    private static final String ENV_NAME_MESSAGE =
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.',"
                    + " and must not start with a digit (e.g. 'my.env-name', or 'MY_ENV.NAME', or 'MyEnvName1',"
                    + " regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

    /** A Secret's name: a lowercase RFC 1123 subdomain of at most 253 characters. */
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

    private static final String DNS_SUBDOMAIN_MESSAGE =
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must"
                    + " start and end with an alphanumeric character (e.g. 'example.com'); it names a Secret, so no"
                    + " pod could pull with it";

    /** A container's resources without a domain (Kubernetes' standard container resources). */
    private static final List<String> STANDARD = List.of("cpu", "memory", "ephemeral-storage");

    /**
     * A Kubernetes quantity ({@code resource.ParseQuantity}): a decimal number and one of the binary
     * (Ki..Ei) or decimal (n..E) suffixes, or a decimal exponent. The CRD copies ResourceRequirements
     * with its quantities as int-or-string and no pattern, so {@code 8GB} is stored, and the API server
     * then cannot even read the worker Job made from it.
     */
    private static final Pattern QUANTITY = Pattern.compile(
            "^[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$");

    private PodFieldRules() {}

    /**
     * A container's requests and limits as the API server reads them: each a quantity, each resource a standard
     * one or one with a domain, each request within its limit.
     */
    static void resources(List<FieldError> out, ResourceRequirements resources, String field) {
        quantities(out, resources, field);
        resourceNames(out, resources, field);
        requestsWithinLimits(out, resources, field);
    }

    private static void quantities(List<FieldError> out, ResourceRequirements resources, String field) {
        if (resources == null) {
            return;
        }
        quantities(out, resources.getRequests(), field + ".requests");
        quantities(out, resources.getLimits(), field + ".limits");
    }

    private static void quantities(List<FieldError> out, Map<String, Quantity> values, String field) {
        if (values == null) {
            return;
        }
        for (Map.Entry<String, Quantity> e : new TreeMap<>(values).entrySet()) {
            String text = text(e.getValue());
            if (text == null || !QUANTITY.matcher(text).matches()) {
                out.add(new FieldError(
                        field + "." + e.getKey(),
                        "Invalid value: \"" + (text == null ? "" : text)
                                + "\": not a Kubernetes quantity (e.g. 8Gi, 8G, 500m, 2; the suffixes are Ki, Mi, Gi, "
                                + "Ti, Pi, Ei and n, u, m, k, M, G, T, P, E)"));
            }
        }
    }

    /** Each variable has a name the API server accepts. */
    static void envNames(List<FieldError> out, List<EnvVar> env, String field) {
        if (env == null) {
            return;
        }
        for (int i = 0; i < env.size(); i++) {
            if (env.get(i) == null) {
                continue;
            }
            String name = env.get(i).getName();
            if (name == null || name.isEmpty()) {
                out.add(new FieldError(field + "[" + i + "].name", "Required value"));
            } else if (!ENV_NAME.matcher(name).matches()) {
                out.add(new FieldError(
                        field + "[" + i + "].name", "Invalid value: \"" + name + "\": " + ENV_NAME_MESSAGE));
            }
        }
    }

    /** Each pull secret names a Secret: present, and a name a Secret can have. */
    static void pullSecrets(List<FieldError> out, List<LocalObjectReference> refs, String field) {
        if (refs == null) {
            return;
        }
        for (int i = 0; i < refs.size(); i++) {
            String at = field + "[" + i + "].name";
            String name = refs.get(i) == null ? null : refs.get(i).getName();
            if (name == null || name.isEmpty()) {
                out.add(new FieldError(at, "Required value: the name of a Secret of the namespace"));
            } else if (name.length() > 253) {
                out.add(new FieldError(
                        at, "Invalid value: \"" + name + "\": must be no more than 253 characters (a Secret name)"));
            } else if (!DNS_SUBDOMAIN.matcher(name).matches()) {
                out.add(new FieldError(at, "Invalid value: \"" + name + "\": " + DNS_SUBDOMAIN_MESSAGE));
            }
        }
    }

    /**
     * A request is at most its limit, and equal to it for a resource that is not overcommitted (GPUs and
     * other extended resources), which then also needs a limit. Quantities that do not parse are left to
     * the quantity rule.
     */
    private static void requestsWithinLimits(List<FieldError> out, ResourceRequirements resources, String field) {
        if (resources == null || resources.getRequests() == null) {
            return;
        }
        Map<String, Quantity> limits = resources.getLimits() == null ? Map.of() : resources.getLimits();
        for (Map.Entry<String, Quantity> e : new TreeMap<>(resources.getRequests()).entrySet()) {
            String name = e.getKey();
            String requested = text(e.getValue());
            BigDecimal request = amount(requested);
            if (request == null) {
                continue;
            }
            String at = field + ".requests." + name;
            // Kubernetes' IsOvercommitAllowed: native resources but huge pages; GPUs and other extended
            // resources need request == limit
            boolean overcommittable =
                    (!name.contains("/") || name.contains("kubernetes.io/")) && !name.startsWith("hugepages-");
            String limited = text(limits.get(name));
            BigDecimal limit = amount(limited);
            if (limit == null) {
                if (!overcommittable && !limits.containsKey(name)) {
                    out.add(new FieldError(
                            field + ".limits." + name,
                            "Required value: Limit must be set for non overcommitable resources (request " + requested
                                    + " at " + at + ")"));
                }
                continue;
            }
            if (overcommittable && request.compareTo(limit) > 0) {
                out.add(new FieldError(
                        at,
                        "Invalid value: \"" + requested + "\": must be less than or equal to " + name + " limit of "
                                + limited));
            } else if (!overcommittable && request.compareTo(limit) != 0) {
                out.add(new FieldError(
                        at, "Invalid value: \"" + requested + "\": must be equal to " + name + " limit of " + limited));
            }
        }
    }

    /**
     * A resource name without a domain is one of the standard ones ({@code gpu: 1} is refused; a GPU is
     * {@code nvidia.com/gpu}).
     */
    private static void resourceNames(List<FieldError> out, ResourceRequirements resources, String field) {
        if (resources == null) {
            return;
        }
        names(out, resources.getRequests(), field + ".requests");
        names(out, resources.getLimits(), field + ".limits");
    }

    private static void names(List<FieldError> out, Map<String, Quantity> values, String field) {
        if (values == null) {
            return;
        }
        for (String name : new TreeMap<>(values).keySet()) {
            if (!name.contains("/") && !STANDARD.contains(name) && !name.startsWith("hugepages-")) {
                out.add(new FieldError(
                        field + "." + name,
                        "Invalid value: \"" + name + "\": must be a standard resource for containers (cpu, memory,"
                                + " ephemeral-storage, hugepages-<size>) or an extended resource with a domain"
                                + " (e.g. nvidia.com/gpu)"));
            }
        }
    }

    private static String text(Quantity q) {
        if (q == null || q.getAmount() == null) {
            return null;
        }
        return q.getAmount() + (q.getFormat() == null ? "" : q.getFormat());
    }

    private static BigDecimal amount(String text) {
        if (text == null || !QUANTITY.matcher(text).matches()) {
            return null;
        }
        try {
            return Quantity.getAmountInBytes(new Quantity(text));
        } catch (RuntimeException e) {
            return null;
        }
    }
}
