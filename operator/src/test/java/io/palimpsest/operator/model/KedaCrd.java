package io.palimpsest.operator.model;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * KEDA installed, as far as the operator can tell: the ScaledObject CRD (served versions and
 * names as KEDA 2.x ships them; the schema left open, the mock servers do not enforce it). The
 * fabric8 mock server answers API discovery for the CRDs it holds, so this is what turns
 * {@code keda.sh/v1alpha1} on.
 */
public final class KedaCrd {

    private KedaCrd() {}

    public static void install(KubernetesClient client) {
        CustomResourceDefinition crd = new CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName("scaledobjects.keda.sh")
                .endMetadata()
                .withNewSpec()
                .withGroup("keda.sh")
                .withScope("Namespaced")
                .withNewNames()
                .withKind("ScaledObject")
                .withListKind("ScaledObjectList")
                .withPlural("scaledobjects")
                .withSingular("scaledobject")
                .addToShortNames("so")
                .endNames()
                .addNewVersion()
                .withName("v1alpha1")
                .withServed(true)
                .withStorage(true)
                .withNewSchema()
                .withNewOpenAPIV3Schema()
                .withType("object")
                .withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema()
                .endSchema()
                .withNewSubresources()
                .withNewStatus()
                .endStatus()
                .endSubresources()
                .endVersion()
                .endSpec()
                .build();
        var crds = client.apiextensions().v1().customResourceDefinitions();
        if (crds.withName(crd.getMetadata().getName()).get() == null) {
            crds.resource(crd).create();
        }
    }
}
