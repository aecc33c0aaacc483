package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * Gives the built-in kinds the simulated controllers write status to a status subresource on the
 * Fabric8 mock API server, as a real API server has: an update of the object leaves its status
 * alone, and a status write leaves the spec alone. Without this an operator's update of a Job's
 * spec (e.g. its parallelism) would wipe the Job controller's status.
 * <p>
 * The mock server decides this from registered CustomResourceDefinitions, keyed by group, version
 * and plural, so one stand-in definition per kind is enough; the core group is registered with no
 * group at all, which is how the mock server keys paths under {@code /api/v1}.
 */
final class BuiltInStatusSubresources {

    private record Kind(String group, String version, String plural, String kind) {}

    private static final List<Kind> KINDS = List.of(
            new Kind(null, "v1", "pods", "Pod"),
            new Kind(null, "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
            new Kind(null, "v1", "services", "Service"),
            new Kind("batch", "v1", "jobs", "Job"),
            new Kind("apps", "v1", "deployments", "Deployment"));

    private BuiltInStatusSubresources() {}

    static void install(KubernetesClient client) {
        for (Kind k : KINDS) {
            String name = k.plural() + "." + (k.group() == null ? "core" : k.group()) + ".sim.builtin";
            if (client.apiextensions()
                            .v1()
                            .customResourceDefinitions()
                            .withName(name)
                            .get()
                    != null) {
                continue;
            }
            CustomResourceDefinition crd = new CustomResourceDefinitionBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .addToLabels("palimpsest.io/simulated-cluster", "status-subresource")
                    .endMetadata()
                    .withNewSpec()
                    .withGroup(k.group())
                    .withScope("Namespaced")
                    .withNewNames()
                    .withPlural(k.plural())
                    .withKind(k.kind())
                    .endNames()
                    .addNewVersion()
                    .withName(k.version())
                    .withServed(true)
                    .withStorage(true)
                    .withNewSubresources()
                    .withNewStatus()
                    .endStatus()
                    .endSubresources()
                    .endVersion()
                    .endSpec()
                    .build();
            client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .resource(crd)
                    .create();
        }
    }
}
