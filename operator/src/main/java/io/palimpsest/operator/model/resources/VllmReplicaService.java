package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.ModelNames;

/**
 * A headless Service over the same replicas as {@link VllmService}: its cluster DNS name answers with
 * one address per ready replica, so a worker can place each request on the replica with the shortest
 * queue instead of leaving it to the Service, whose random placement lets one replica's queue grow
 * while others have free slots. Not-ready replicas are left out, as the Service leaves them out.
 */
public class VllmReplicaService extends ModelDependent<Service> {

    public VllmReplicaService(RenderSettings settings) {
        super(Service.class, ModelNames.COMPONENT_REPLICAS, settings);
    }

    @Override
    protected Service render(RewriterModel model, Context<RewriterModel> context) {
        return render(model);
    }

    public static Service render(RewriterModel model) {
        return VllmService.over(model, ModelNames.replicasService(model), ModelNames.COMPONENT_REPLICAS)
                .editSpec()
                .withClusterIP("None")
                .withPublishNotReadyAddresses(false)
                .endSpec()
                .build();
    }
}
