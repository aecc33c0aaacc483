package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.palimpsest.operator.OwnerReferences;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.operator.model.autoscale.ScalingPolicy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * autoscaling.mode: keda. A ScaledObject on the Deployment that follows
 * vllm:num_requests_waiting through Prometheus, with the same bounds and windows as the
 * operator's own autoscaler. A second trigger counts the model's worker pods, so work wakes
 * the model from zero (at zero replicas there is no queue to measure).
 *
 * <p>Rendered as a generic resource: KEDA's CRDs are optional, so the operator has no typed
 * model or informer for them.
 */
public final class KedaScaledObject {
    public static final String API_VERSION = "keda.sh/v1alpha1";
    public static final String KIND = "ScaledObject";

    private KedaScaledObject() {
    }

    public static GenericKubernetesResource render(RewriterModel model, RenderSettings settings) {
        ScalingPolicy policy = ScalingPolicy.from(model.getSpec());
        String served = ModelNames.servedModelName(model);
        String ns = model.getMetadata().getNamespace();

        Map<String, Object> prometheus = new LinkedHashMap<>();
        prometheus.put("serverAddress", settings.kedaPrometheusAddress());
        prometheus.put("query", "sum(vllm:num_requests_waiting{namespace=\"" + ns + "\",model_name=\"" + served + "\"})");
        prometheus.put("threshold", String.valueOf(Math.max(1, policy.targetWaitingPerReplica())));
        prometheus.put("activationThreshold", "0");

        Map<String, Object> workers = new LinkedHashMap<>();
        workers.put("podSelector", ModelNames.MODEL_LABEL + "=" + model.getMetadata().getName() + ","
                + ModelNames.COMPONENT_LABEL + "=" + ModelNames.COMPONENT_WORKER);
        // Only for activation: any worker pod wakes the model; the queue trigger sizes it.
        workers.put("value", "1000000");
        workers.put("activationValue", "0");

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("scaleTargetRef", Map.of("name", ModelNames.deployment(model)));
        spec.put("minReplicaCount", policy.min());
        spec.put("maxReplicaCount", policy.max());
        spec.put("pollingInterval", (int) policy.period().toSeconds());
        spec.put("cooldownPeriod", (int) policy.idleToMin().toSeconds());
        spec.put("advanced", Map.of("horizontalPodAutoscalerConfig", Map.of("behavior", Map.of(
                "scaleUp", Map.of("stabilizationWindowSeconds", (int) policy.scaleUpWindow().toSeconds()),
                "scaleDown", Map.of("stabilizationWindowSeconds", (int) policy.scaleDownWindow().toSeconds())))));
        spec.put("triggers", List.of(
                Map.of("type", "prometheus", "name", "queue", "metadata", prometheus),
                Map.of("type", "kubernetes-workload", "name", "workers", "metadata", workers)));

        return new GenericKubernetesResourceBuilder()
                .withApiVersion(API_VERSION)
                .withKind(KIND)
                .withNewMetadata()
                    .withName(ModelNames.scaledObject(model))
                    .withNamespace(ns)
                    .withLabels(ModelNames.labels(model, ModelNames.COMPONENT_SERVER))
                    .withOwnerReferences(OwnerReferences.controller(model))
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build();
    }
}
