package io.palimpsest.operator.model.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.model.Models;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A cache claim only one node can attach (ReadWriteOnce, the default) keeps a model's replicas on one
 * node; the user's own affinity is kept as written, and a ReadWriteMany claim adds nothing.
 */
class CacheAffinityTest {
    private static final List<String> RWO = List.of("ReadWriteOnce");
    private static final List<String> RWX = List.of("ReadWriteMany");

    @Test
    void aReadWriteOnceCacheHoldsTheReplicasOnOneNodeNextToTheUsersAffinity() {
        RewriterModel model = Models.huggingFace("m");
        model.getSpec().getScheduling().setAffinity(userAffinity());

        PodTemplateSpec pod = VllmDeployment.render(model, 3, RenderSettings.defaults())
                .getSpec()
                .getTemplate();
        Affinity affinity = pod.getSpec().getAffinity();

        // the user's terms, as written
        assertEquals(userAffinity().getNodeAffinity(), affinity.getNodeAffinity());
        assertEquals(userAffinity().getPodAntiAffinity(), affinity.getPodAntiAffinity());
        assertEquals(
                userAffinity().getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution(),
                affinity.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
        List<PodAffinityTerm> required = affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        assertEquals(2, required.size());
        assertEquals(
                userAffinity()
                        .getPodAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution()
                        .get(0),
                required.get(0));
        // and the replicas' own: same node as the model's other replicas, a term each pod matches itself
        // (so the scheduler places the first one anywhere)
        PodAffinityTerm together = required.get(1);
        assertEquals("kubernetes.io/hostname", together.getTopologyKey());
        Map<String, String> selector = together.getLabelSelector().getMatchLabels();
        assertEquals(Map.of("palimpsest.io/model", "m", "app.kubernetes.io/component", "model-server"), selector);
        assertTrue(pod.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()));
        assertEquals(userAffinity(), model.getSpec().getScheduling().getAffinity(), "the spec is not changed");

        Affinity own = VllmDeployment.render(Models.huggingFace("n"), 1, RenderSettings.defaults())
                .getSpec()
                .getTemplate()
                .getSpec()
                .getAffinity();
        assertEquals(
                "kubernetes.io/hostname",
                own.getPodAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution()
                        .get(0)
                        .getTopologyKey(),
                "without an affinity of the user's");
        assertNull(own.getNodeAffinity());
    }

    @Test
    void aReadWriteManyCacheLeavesTheUsersAffinityAsItIs() {
        RewriterModel model = Models.huggingFace("m");
        model.getSpec().getScheduling().setAffinity(userAffinity());
        model.getSpec().getSource().getCache().setAccessModes(List.of(RewriterModelSpec.CacheAccessMode.ReadWriteMany));
        assertEquals(
                userAffinity(),
                podAffinity(VllmDeployment.render(model, 3, RenderSettings.defaults())
                        .getSpec()
                        .getTemplate()));
        assertEquals(
                userAffinity(),
                podAffinity(WeightDownloadJob.render(model, RenderSettings.defaults())
                        .getSpec()
                        .getTemplate()));

        assertNull(
                podAffinity(VllmDeployment.render(Models.huggingFace("n"), 1, RenderSettings.defaults(), RWX)
                        .getSpec()
                        .getTemplate()),
                "no affinity of the user's, none added");
    }

    /** The claim's modes are fixed once it exists: what it has decides, not what the spec says now. */
    @Test
    void theExistingClaimsAccessModesDecide() {
        RewriterModel model = Models.huggingFace("m");
        model.getSpec().getSource().getCache().setAccessModes(List.of(RewriterModelSpec.CacheAccessMode.ReadWriteMany));
        assertTrue(hasReplicaTerm(VllmDeployment.render(model, 2, RenderSettings.defaults(), RWO)
                .getSpec()
                .getTemplate()));
        model.getSpec().getSource().getCache().setAccessModes(List.of(RewriterModelSpec.CacheAccessMode.ReadWriteOnce));
        assertNull(podAffinity(VllmDeployment.render(model, 2, RenderSettings.defaults(), RWX)
                .getSpec()
                .getTemplate()));
    }

    @Test
    void weightsOnTheUsersClaimAddNothing() {
        assertNull(podAffinity(VllmDeployment.render(Models.onPvc("p", 1, 3), 3, RenderSettings.defaults())
                .getSpec()
                .getTemplate()));
    }

    /**
     * The download runs with no replica up, so it cannot require their node (its pod does not match the
     * term itself and would stay Pending); it prefers it, for a new source downloaded while the replicas
     * of the previous one still hold the claim.
     */
    @Test
    void theDownloadPrefersTheReplicasNodeWithAReadWriteOnceCache() {
        RewriterModel model = Models.huggingFace("m");
        model.getSpec().getScheduling().setAffinity(userAffinity());
        Affinity affinity = WeightDownloadJob.render(model, RenderSettings.defaults())
                .getSpec()
                .getTemplate()
                .getSpec()
                .getAffinity();
        assertEquals(userAffinity().getNodeAffinity(), affinity.getNodeAffinity());
        assertEquals(
                userAffinity().getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution(),
                affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution(),
                "nothing required beyond the user's terms");
        var preferred = affinity.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
        assertEquals(2, preferred.size());
        assertEquals(
                "kubernetes.io/hostname", preferred.get(1).getPodAffinityTerm().getTopologyKey());
        assertEquals(
                Map.of("palimpsest.io/model", "m", "app.kubernetes.io/component", "model-server"),
                preferred.get(1).getPodAffinityTerm().getLabelSelector().getMatchLabels());
    }

    private static Affinity podAffinity(PodTemplateSpec pod) {
        return pod.getSpec().getAffinity();
    }

    private static boolean hasReplicaTerm(PodTemplateSpec pod) {
        Affinity affinity = pod.getSpec().getAffinity();
        return affinity != null
                && affinity.getPodAffinity() != null
                && affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().stream()
                        .anyMatch(t -> "kubernetes.io/hostname".equals(t.getTopologyKey()));
    }

    /** Node affinity, pod affinity (required and preferred) and anti-affinity of the user's own. */
    private static Affinity userAffinity() {
        return new AffinityBuilder()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm()
                .addNewMatchExpression()
                .withKey("gpu.example.com/class")
                .withOperator("In")
                .withValues("a100", "h100")
                .endMatchExpression()
                .endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .withNewPodAffinity()
                .addNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withNewLabelSelector()
                .addToMatchLabels("app", "cache-warmer")
                .endLabelSelector()
                .withTopologyKey("topology.kubernetes.io/zone")
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution()
                .withWeight(10)
                .withNewPodAffinityTerm()
                .withNewLabelSelector()
                .addToMatchLabels("app", "feature-store")
                .endLabelSelector()
                .withTopologyKey("topology.kubernetes.io/zone")
                .endPodAffinityTerm()
                .endPreferredDuringSchedulingIgnoredDuringExecution()
                .endPodAffinity()
                .withNewPodAntiAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution()
                .withWeight(50)
                .withNewPodAffinityTerm()
                .withNewLabelSelector()
                .addToMatchLabels("app", "training")
                .endLabelSelector()
                .withTopologyKey("kubernetes.io/hostname")
                .endPodAffinityTerm()
                .endPreferredDuringSchedulingIgnoredDuringExecution()
                .endPodAntiAffinity()
                .build();
    }
}
