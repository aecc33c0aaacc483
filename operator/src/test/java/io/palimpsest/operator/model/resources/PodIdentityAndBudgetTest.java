package io.palimpsest.operator.model.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.model.Models;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who model pods run as, how they pull, what cache they get, and when a model has a disruption budget. */
class PodIdentityAndBudgetTest {
    static final RenderSettings CHART = new RenderSettings(
            "vllm/vllm-openai:v0.11.0",
            "amazon/aws-cli:2.31.0",
            1000,
            Duration.ofMinutes(10),
            List.of("ReadWriteMany"),
            "http://prometheus:9090",
            Optional.of("shared"),
            Optional.of("models"),
            Optional.of(List.of("regcred")),
            true,
            2);

    @Test
    void ownSettingWinsThenOperatorDefaultThenNone() {
        assertEquals("own", PodIdentity.serviceAccount("own", Optional.of("chart")));
        assertEquals("chart", PodIdentity.serviceAccount(null, Optional.of("chart")));
        assertNull(PodIdentity.serviceAccount(null, Optional.of(" ")));
        assertNull(PodIdentity.serviceAccount("", Optional.empty()));

        List<LocalObjectReference> own = List.of(new LocalObjectReference("mine"));
        assertEquals(own, PodIdentity.pullSecrets(own, Optional.of(List.of("chart"))));
        assertEquals(
                List.of(new LocalObjectReference("a"), new LocalObjectReference("b")),
                PodIdentity.pullSecrets(List.of(), Optional.of(List.of("a", "b"))));
        assertNull(PodIdentity.pullSecrets(null, Optional.empty()));
        assertNull(PodIdentity.pullSecrets(null, Optional.of(List.of(""))));
    }

    @Test
    void vllmAndDownloadPodsCarryTheIdentity() {
        RewriterModel model = Models.huggingFace("m");
        Deployment chartDefaults = VllmDeployment.render(model, 1, CHART);
        assertEquals("models", chartDefaults.getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals(
                List.of(new LocalObjectReference("regcred")),
                chartDefaults.getSpec().getTemplate().getSpec().getImagePullSecrets());

        model.getSpec().setServiceAccountName("reader");
        model.getSpec().setImagePullSecrets(List.of(new LocalObjectReference("mirror")));
        Job download = WeightDownloadJob.render(model, CHART);
        assertEquals("reader", download.getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals(
                List.of(new LocalObjectReference("mirror")),
                download.getSpec().getTemplate().getSpec().getImagePullSecrets());

        Deployment none = VllmDeployment.render(Models.huggingFace("n"), 1, RenderSettings.defaults());
        assertNull(none.getSpec().getTemplate().getSpec().getServiceAccountName());
        assertNull(none.getSpec().getTemplate().getSpec().getImagePullSecrets());
    }

    @Test
    void cacheAccessModesAndClassComeFromTheSpecElseTheOperator() {
        RewriterModel model = Models.huggingFace("m");
        model.getSpec().getSource().getCache().setStorageClassName(null);
        PersistentVolumeClaim fromChart = WeightCachePvc.render(model, CHART);
        assertEquals(List.of("ReadWriteMany"), fromChart.getSpec().getAccessModes());
        assertEquals("shared", fromChart.getSpec().getStorageClassName());

        model.getSpec().getSource().getCache().setAccessModes(List.of(RewriterModelSpec.CacheAccessMode.ReadWriteOnce));
        model.getSpec().getSource().getCache().setStorageClassName("local");
        PersistentVolumeClaim own = WeightCachePvc.render(model, CHART);
        assertEquals(List.of("ReadWriteOnce"), own.getSpec().getAccessModes());
        assertEquals("local", own.getSpec().getStorageClassName());

        PersistentVolumeClaim defaults = WeightCachePvc.render(Models.onPvc("p", 0, 1), RenderSettings.defaults());
        assertEquals(List.of("ReadWriteOnce"), defaults.getSpec().getAccessModes());
        assertNull(defaults.getSpec().getStorageClassName());
    }

    @Test
    void budgetOnlyWhenEnabledAndTheModelKeepsReplicas() {
        assertTrue(ModelDisruptionBudget.wanted(Models.onPvc("a", 1, 3), CHART));
        assertFalse(ModelDisruptionBudget.wanted(Models.onPvc("b", 0, 3), CHART), "scales to zero");
        assertFalse(ModelDisruptionBudget.wanted(Models.onPvc("c", 2, 3), RenderSettings.defaults()), "not enabled");
        assertTrue(ModelDisruptionBudget.wanted(
                Models.onPvc("d", 2, 3), RenderSettings.defaults().withPodDisruptionBudget(1)));

        RewriterModel model = Models.onPvc("e", 1, 3);
        PodDisruptionBudget budget = ModelDisruptionBudget.render(model, CHART);
        assertEquals(2, budget.getSpec().getMaxUnavailable().getIntVal());
        assertEquals(
                VllmDeployment.render(model, 1, CHART).getSpec().getSelector().getMatchLabels(),
                budget.getSpec().getSelector().getMatchLabels(),
                "selects exactly the model's replicas");
    }
}
