package io.palimpsest.api.lint;

import io.palimpsest.api.v1alpha1.RewriteJob;
import java.util.ArrayList;
import java.util.List;

/**
 * Rules on a RewriteJob's spec that its CRD schema does not state and the API server would apply to
 * the pods made from it, checked where manifests are read (the linter, so {@code palimpsest lint}
 * and {@code local}) and by the operator (its SpecValidator, as InvalidSpec), with the same field and
 * message.
 */
public final class JobSpecRules {
    private JobSpecRules() {}

    /** Every violation, each on its field; empty when the spec passes. */
    public static List<FieldError> check(RewriteJob job) {
        List<FieldError> out = new ArrayList<>();
        if (job.getSpec() != null && job.getSpec().getWorkers() != null) {
            out.addAll(SchedulingRules.check(job.getSpec().getWorkers().getScheduling(), "spec.workers.scheduling"));
            PodFieldRules.resources(out, job.getSpec().getWorkers().getResources(), "spec.workers.resources");
            PodFieldRules.pullSecrets(
                    out, job.getSpec().getWorkers().getImagePullSecrets(), "spec.workers.imagePullSecrets");
        }
        return out;
    }
}
