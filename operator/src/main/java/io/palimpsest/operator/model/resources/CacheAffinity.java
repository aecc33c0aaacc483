package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTermBuilder;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.ModelNames;
import java.util.List;

/**
 * Keeps the pods of a model on the node its cache claim is attached to, when the claim cannot be
 * attached to more than one node (no ReadWriteMany: the default ReadWriteOnce). Without it a replica
 * scheduled on another node waits in ContainerCreating on a Multi-Attach error for as long as the
 * others run, holding its GPUs; with it, it waits Pending, holding nothing, until the node has room.
 *
 * <p>The replicas get a required pod affinity on the model's server pods by node: the scheduler lets
 * the first one go anywhere (no pod matches yet, and it matches its own term) and the others join it.
 * The download Job's pod only prefers that node: it runs with no replica up (a required term its pod
 * does not match itself would keep it Pending), but a source change starts it while the replicas of
 * the previous source drain, still holding the claim. Both are added to the user's own affinity.
 */
public final class CacheAffinity {
    static final String HOSTNAME = "kubernetes.io/hostname";
    static final String READ_WRITE_MANY = "ReadWriteMany";

    private CacheAffinity() {}

    /** Whether pods on several nodes can mount a claim of these access modes. */
    public static boolean sharedAcrossNodes(List<String> accessModes) {
        return accessModes != null && accessModes.contains(READ_WRITE_MANY);
    }

    /** The user's affinity (unchanged, a copy) with the replicas held on one node. */
    static Affinity replicasTogether(Affinity user, RewriterModel model) {
        AffinityBuilder affinity = user == null ? new AffinityBuilder() : new AffinityBuilder(user);
        PodAffinityTerm sameNode = sameNodeAsReplicas(model);
        if (affinity.hasPodAffinity()) {
            affinity.editPodAffinity()
                    .addToRequiredDuringSchedulingIgnoredDuringExecution(sameNode)
                    .endPodAffinity();
        } else {
            affinity.withNewPodAffinity()
                    .addToRequiredDuringSchedulingIgnoredDuringExecution(sameNode)
                    .endPodAffinity();
        }
        return affinity.build();
    }

    /** The user's affinity (unchanged, a copy) with a preference for the replicas' node. */
    static Affinity nearReplicas(Affinity user, RewriterModel model) {
        AffinityBuilder affinity = user == null ? new AffinityBuilder() : new AffinityBuilder(user);
        var preferred = new WeightedPodAffinityTermBuilder()
                .withWeight(100)
                .withPodAffinityTerm(sameNodeAsReplicas(model))
                .build();
        if (affinity.hasPodAffinity()) {
            affinity.editPodAffinity()
                    .addToPreferredDuringSchedulingIgnoredDuringExecution(preferred)
                    .endPodAffinity();
        } else {
            affinity.withNewPodAffinity()
                    .addToPreferredDuringSchedulingIgnoredDuringExecution(preferred)
                    .endPodAffinity();
        }
        return affinity.build();
    }

    private static PodAffinityTerm sameNodeAsReplicas(RewriterModel model) {
        return new PodAffinityTermBuilder()
                .withLabelSelector(new LabelSelectorBuilder()
                        .withMatchLabels(ModelNames.serverSelector(model))
                        .build())
                .withTopologyKey(HOSTNAME)
                .build();
    }
}
