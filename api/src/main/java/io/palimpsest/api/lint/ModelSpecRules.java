package io.palimpsest.api.lint;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.palimpsest.api.v1alpha1.RewriterModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules on a RewriterModel's spec that its CRD schema does not state, checked where manifests are
 * read (the linter, so {@code palimpsest lint} and {@code local}) and by the operator, with the same
 * field and message, so a spec one accepts the other accepts too.
 */
public final class ModelSpecRules {

    private ModelSpecRules() {}

    /** Every violation, each on its field; empty when the spec passes. */
    public static List<FieldError> check(RewriterModel model) {
        List<FieldError> out = new ArrayList<>();
        if (model.getSpec() != null && model.getSpec().getEngine() != null) {
            PodFieldRules.envNames(out, model.getSpec().getEngine().getEnv(), "spec.engine.env");
            uniqueEnvNames(out, model.getSpec().getEngine().getEnv());
        }
        if (model.getSpec() != null) {
            out.addAll(SchedulingRules.check(model.getSpec().getScheduling(), "spec.scheduling"));
            PodFieldRules.pullSecrets(out, model.getSpec().getImagePullSecrets(), "spec.imagePullSecrets");
        }
        return out;
    }

    /**
     * One name once in {@code spec.engine.env}: the operator writes the vLLM container with
     * server-side apply, which refuses a container whose env list names a variable twice
     * (kubernetes/kubernetes#113482), so such a model would never get its Deployment.
     */
    private static void uniqueEnvNames(List<FieldError> out, List<EnvVar> env) {
        if (env == null) {
            return;
        }
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < env.size(); i++) {
            String name = env.get(i) == null ? null : env.get(i).getName();
            if (name == null) {
                continue;
            }
            Integer earlier = first.putIfAbsent(name, i);
            if (earlier != null) {
                out.add(new FieldError(
                        "spec.engine.env[" + i + "].name",
                        "Duplicate value: \"" + name + "\" (already set by spec.engine.env[" + earlier
                                + "]); each variable may be set once"));
            }
        }
    }
}
