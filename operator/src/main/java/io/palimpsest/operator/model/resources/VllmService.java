package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.ModelNames;

/** The stable in-cluster address workers call; spreads requests over ready replicas only. */
public class VllmService extends ModelDependent<Service> {

    public VllmService(RenderSettings settings) {
        super(Service.class, ModelNames.COMPONENT_SERVER, settings);
    }

    @Override
    protected Service render(RewriterModel model, Context<RewriterModel> context) {
        return render(model);
    }

    public static Service render(RewriterModel model) {
        return over(model, ModelNames.service(model), ModelNames.COMPONENT_SERVER)
                .build();
    }

    /** A Service named {@code name} over the model's replicas, on the vLLM port. */
    static ServiceBuilder over(RewriterModel model, String name, String component) {
        return new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(model.getMetadata().getNamespace())
                .withLabels(ModelNames.labels(model, component))
                .endMetadata()
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(ModelNames.serverSelector(model))
                .addNewPort()
                .withName("http")
                .withPort(ModelNames.PORT)
                .withTargetPort(new IntOrString("http"))
                .withProtocol("TCP")
                .endPort()
                .endSpec();
    }
}
