package io.palimpsest.api.lint;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.palimpsest.api.v1alpha1.RewriteJob;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Rules on a RewriteJob's spec that its CRD schema does not state and the API server would apply to
 * the pods made from it, checked where manifests are read (the linter, so {@code palimpsest lint}
 * and {@code local}) and by the operator (its SpecValidator, as InvalidSpec), with the same field and
 * message.
 */
public final class JobSpecRules {
    /**
     * A Kubernetes quantity ({@code resource.ParseQuantity}): a decimal number and one of the binary
     * (Ki..Ei) or decimal (n..E) suffixes, or a decimal exponent. The CRD copies ResourceRequirements
     * with its quantities as int-or-string and no pattern, so {@code 8GB} is stored, and the API server
     * then cannot even read the worker Job made from it.
     */
    private static final Pattern QUANTITY = Pattern.compile(
            "^[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$");

    private JobSpecRules() {}

    /** Every violation, each on its field; empty when the spec passes. */
    public static List<FieldError> check(RewriteJob job) {
        List<FieldError> out = new ArrayList<>();
        if (job.getSpec() != null && job.getSpec().getWorkers() != null) {
            out.addAll(SchedulingRules.check(job.getSpec().getWorkers().getScheduling(), "spec.workers.scheduling"));
            quantities(out, job.getSpec().getWorkers().getResources(), "spec.workers.resources");
            PodFieldRules.resourceNames(out, job.getSpec().getWorkers().getResources(), "spec.workers.resources");
            PodFieldRules.requestsWithinLimits(
                    out, job.getSpec().getWorkers().getResources(), "spec.workers.resources", QUANTITY);
            PodFieldRules.pullSecrets(
                    out, job.getSpec().getWorkers().getImagePullSecrets(), "spec.workers.imagePullSecrets");
        }
        return out;
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
            String text = PodFieldRules.text(e.getValue());
            if (text == null || !QUANTITY.matcher(text).matches()) {
                out.add(new FieldError(
                        field + "." + e.getKey(),
                        "Invalid value: \"" + (text == null ? "" : text)
                                + "\": not a Kubernetes quantity (e.g. 8Gi, 8G, 500m, 2; the suffixes are Ki, Mi, Gi, "
                                + "Ti, Pi, Ei and n, u, m, k, M, G, T, P, E)"));
            }
        }
    }
}
