package io.palimpsest.api.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.lint.CrdDefaults;
import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;

/**
 * A RewriterModel's spec as the operator acts on it: the CRD's defaults filled in, as the API server
 * stores them, with the sections made only of defaulted fields (replicas, engine, autoscaling) read
 * as present and empty when a manifest leaves them out, so that their fields' defaults apply too (the
 * API server fills a default only inside an object that is there). The autoscaler, the planner's
 * fleet and the preview's estimate read a model through this, so none of them keeps its own copy of
 * a default, and a model without a {@code replicas:} section is one replica to all of them.
 */
public final class ModelDefaults {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelDefaults() {}

    /** A copy of {@code spec} (null: a model that says nothing) with every default filled in; {@code spec} is not changed. */
    public static RewriterModelSpec of(RewriterModelSpec spec) {
        RewriterModelSpec sections =
                spec == null ? new RewriterModelSpec() : JSON.convertValue(spec, RewriterModelSpec.class);
        if (sections.getReplicas() == null) {
            sections.setReplicas(new RewriterModelSpec.Replicas());
        }
        if (sections.getEngine() == null) {
            sections.setEngine(new RewriterModelSpec.Engine());
        }
        if (sections.getAutoscaling() == null) {
            sections.setAutoscaling(new RewriterModelSpec.Autoscaling());
        }
        return CrdDefaults.bundled(CrdSchema.REWRITER_MODELS).apply("spec", sections);
    }

    /**
     * The most replicas the operator runs for this model ({@code replicas.max}, 1 without a replicas
     * section); null for a model behind an external {@code endpoint} that states no replicas: that fleet
     * is not the operator's. What the preview prices, by hand and on a cluster alike.
     */
    public static Integer operatedMaxReplicas(RewriterModelSpec spec) {
        if (spec == null || (spec.getEndpoint() != null && spec.getReplicas() == null)) {
            return null;
        }
        return of(spec).getReplicas().getMax();
    }
}
