package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.ModelNames;

/**
 * Limits how many replicas a node drain takes down at once, for a model that is meant to keep
 * serving (replicas.min > 0). A model that scales to zero gets none: a budget there would only
 * slow drains while nothing depends on the replicas between campaigns. Off unless the operator
 * is configured for it (chart value model.podDisruptionBudget.enabled).
 */
public class ModelDisruptionBudget extends ModelDependent<PodDisruptionBudget> {

    public ModelDisruptionBudget(RenderSettings settings) {
        super(PodDisruptionBudget.class, ModelNames.COMPONENT_SERVER, settings);
    }

    @Override
    protected PodDisruptionBudget render(RewriterModel model, Context<RewriterModel> context) {
        return render(model, settings);
    }

    /** Whether this model should have a budget under these settings. */
    public static boolean wanted(RewriterModel model, RenderSettings settings) {
        var replicas = model.getSpec().getReplicas();
        return settings.podDisruptionBudget()
                && model.getSpec().getEndpoint() == null
                && replicas != null
                && replicas.getMin() != null
                && replicas.getMin() > 0;
    }

    public static PodDisruptionBudget render(RewriterModel model, RenderSettings settings) {
        return new PodDisruptionBudgetBuilder()
                .withNewMetadata()
                .withName(ModelNames.deployment(model))
                .withNamespace(model.getMetadata().getNamespace())
                .withLabels(ModelNames.labels(model, ModelNames.COMPONENT_SERVER))
                .endMetadata()
                .withNewSpec()
                .withNewSelector()
                .withMatchLabels(ModelNames.serverSelector(model))
                .endSelector()
                .withMaxUnavailable(new IntOrString(Math.max(1, settings.pdbMaxUnavailable())))
                // A replica still loading its weights serves nothing: evicting it costs no capacity.
                .withUnhealthyPodEvictionPolicy("AlwaysAllow")
                .endSpec()
                .build();
    }
}
