package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.OwnerReferences;
import io.palimpsest.operator.model.ModelNames;
import java.util.List;

/**
 * Base of the objects a RewriterModel owns. JOSDK does the informer, the owner reference
 * (garbage collection on delete), matching desired against actual (server-side apply in a
 * cluster) and the create/update; subclasses only say what the object should look like.
 *
 * <p>Used as standalone dependents, called by the reconciler in its own order: the replica
 * count is decided first and handed to {@code desired()} through the context, and which objects
 * are reconciled at all depends on what the reconcile saw in between (the download Job's state
 * decides the Deployment's replicas), which plain calls say more directly than workflow
 * conditions. The optional KEDA ScaledObject, which depends on none of it, is the one managed
 * dependent ({@link KedaScaledObject}).
 */
public abstract class ModelDependent<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, RewriterModel> {
    protected final RenderSettings settings;

    protected ModelDependent(Class<R> type, String component, RenderSettings settings) {
        super(type);
        this.settings = settings;
        // Watch only what this operator made, not every Deployment/Job/PVC of the namespace.
        configureWith(new KubernetesDependentResourceConfigBuilder<R>()
                .withKubernetesDependentInformerConfig(InformerConfiguration.builder(type)
                        .withLabelSelector(
                                ModelNames.OWNED_SELECTOR + "," + ModelNames.COMPONENT_LABEL + "=" + component)
                        .build())
                .build());
    }

    /** What the object should look like for this model; no side effects. */
    protected abstract R render(RewriterModel model, Context<RewriterModel> context);

    /** The name the object has (or would have) for this model: for messages about it. */
    public final String name(RewriterModel model, Context<RewriterModel> context) {
        return render(model, context).getMetadata().getName();
    }

    @Override
    protected final R desired(RewriterModel model, Context<RewriterModel> context) {
        return controlledBy(render(model, context), model);
    }

    static <T extends HasMetadata> T controlledBy(T object, RewriterModel model) {
        object.getMetadata().setOwnerReferences(List.of(OwnerReferences.controller(model)));
        return object;
    }
}
