package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.Matcher.Result;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.OwnerReferences;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.operator.model.autoscale.ScalingPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * autoscaling.mode: keda. A ScaledObject on the Deployment that follows
 * vllm:num_requests_waiting through Prometheus, with the same bounds and windows as the
 * operator's own autoscaler. A second trigger counts the model's worker pods, so work wakes
 * the model from zero (at zero replicas there is no queue to measure). Where neither trigger can
 * see what the operator does (weights not servable; work bound to a model at zero before any
 * worker pod exists), the reconciler pauses it at its own count ({@link #PAUSED_REPLICAS},
 * decided by {@link io.palimpsest.operator.model.autoscale.KedaPause}).
 *
 * <p>A dependent of the model's managed workflow, with two conditions. {@link KedaInstalled}
 * (activation): KEDA is optional, so its informer is only registered once the ScaledObject API is
 * known to be served; without KEDA nothing is watched or made, and a keda-mode model reports the
 * missing API in its status. {@link KedaMode} (reconcile precondition): only a deployed model in
 * keda mode has one; for any other model the workflow deletes what the informer still holds (a
 * switch away from keda must not leave an HPA fighting the operator's own scaling). Rendered as a
 * generic resource (the schema test reads it so), held as a {@link ScaledObject}.
 *
 * <p>Stateless, as the framework builds it (a no-argument constructor): like the standalone
 * dependents, it takes what the reconciler holds (the render settings, the one
 * {@link KedaPresence}) from the workflow context, put there by {@link #handOver} before each run.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ModelNames.OWNED_SELECTOR))
public class KedaScaledObject extends CRUDKubernetesDependentResource<ScaledObject, RewriterModel> {
    public static final String API_VERSION = "keda.sh/v1alpha1";
    public static final String KIND = "ScaledObject";
    public static final String NAME = "scaledobject";
    public static final ResourceDefinitionContext SCALED_OBJECTS = new ResourceDefinitionContext.Builder()
            .withGroup("keda.sh")
            .withVersion("v1alpha1")
            .withKind(KIND)
            .withPlural("scaledobjects")
            .withNamespaced(true)
            .build();
    /** Where the activation condition leaves, for the reconciler, why no ScaledObject can be made. */
    public static final String PROBLEM_KEY = "palimpsest.io/keda-problem";

    /**
     * KEDA's annotation: while present, KEDA holds the target at this count and does not autoscale
     * ({@link io.palimpsest.operator.model.autoscale.KedaPause} says when the operator sets it).
     */
    public static final String PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas";

    private static final String SETTINGS_KEY = "palimpsest.io/render-settings";
    private static final String PRESENCE_KEY = "palimpsest.io/keda-presence";
    private static final String PAUSE_KEY = "palimpsest.io/keda-paused-replicas";

    public KedaScaledObject() {
        super(ScaledObject.class);
    }

    /** What this dependent renders from and asks; the reconciler calls it before invoking the workflow. */
    public static void handOver(Context<RewriterModel> context, RenderSettings settings, KedaPresence presence) {
        var shared = context.managedWorkflowAndDependentResourceContext();
        shared.put(SETTINGS_KEY, settings);
        shared.put(PRESENCE_KEY, presence);
    }

    /** The count this reconcile pauses the ScaledObject at; without a call, it is not paused. */
    public static void pause(Context<RewriterModel> context, int replicas) {
        context.managedWorkflowAndDependentResourceContext().put(PAUSE_KEY, replicas);
    }

    /** The count a ScaledObject is paused at, null when it is not (or the annotation is no count). */
    public static Integer pausedReplicas(HasMetadata scaledObject) {
        Map<String, String> annotations = scaledObject.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(PAUSED_REPLICAS);
        if (value == null) {
            return null;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    protected ScaledObject desired(RewriterModel model, Context<RewriterModel> context) {
        var shared = context.managedWorkflowAndDependentResourceContext();
        RenderSettings settings = shared.getMandatory(SETTINGS_KEY, RenderSettings.class);
        GenericKubernetesResource rendered =
                render(model, settings, shared.get(PAUSE_KEY, Integer.class).orElse(null));
        ScaledObject object = new ScaledObject();
        object.setMetadata(rendered.getMetadata());
        object.setSpec(new LinkedHashMap<>(
                (Map<String, Object>) rendered.getAdditionalProperties().get("spec")));
        return object;
    }

    /**
     * The pause annotation is compared as well, both ways: the default matchers accept annotations
     * the desired object lacks, so a pause that is over would never be lifted.
     */
    @Override
    public Result<ScaledObject> match(
            ScaledObject actual, ScaledObject desired, RewriterModel model, Context<RewriterModel> context) {
        Result<ScaledObject> result = super.match(actual, desired, model, context);
        if (result.matched() && !Objects.equals(pausedAnnotation(actual), pausedAnnotation(desired))) {
            return Result.computed(false, desired);
        }
        return result;
    }

    /**
     * An update keeps annotations the desired object does not name (without server-side apply), and
     * server-side apply keeps those another manager set: a pause that is over is removed explicitly.
     */
    @Override
    public ScaledObject update(
            ScaledObject actual, ScaledObject desired, RewriterModel model, Context<RewriterModel> context) {
        ScaledObject updated = super.update(actual, desired, model, context);
        if (pausedAnnotation(desired) == null && updated != null && pausedAnnotation(updated) != null) {
            updated = context.getClient().resource(updated).edit(so -> {
                so.getMetadata().getAnnotations().remove(PAUSED_REPLICAS);
                return so;
            });
        }
        return updated;
    }

    private static String pausedAnnotation(HasMetadata object) {
        Map<String, String> annotations = object.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(PAUSED_REPLICAS);
    }

    /** The name alone: deleting (after a switch away from keda) must not render a spec that may no longer be valid. */
    @Override
    protected ResourceID targetSecondaryResourceID(RewriterModel model, Context<RewriterModel> context) {
        return new ResourceID(
                ModelNames.scaledObject(model), model.getMetadata().getNamespace());
    }

    /** Activation: the cluster serves the ScaledObject API (KEDA's CRD is installed), as {@link KedaPresence} asks. */
    public static class KedaInstalled implements Condition<ScaledObject, RewriterModel> {
        @Override
        public boolean isMet(
                DependentResource<ScaledObject, RewriterModel> dependent,
                RewriterModel model,
                Context<RewriterModel> context) {
            KedaPresence presence =
                    context.managedWorkflowAndDependentResourceContext().getMandatory(PRESENCE_KEY, KedaPresence.class);
            String problem = presence.problem(wanted(model), () -> probe(context));
            if (problem != null) {
                context.managedWorkflowAndDependentResourceContext().put(PROBLEM_KEY, problem);
            }
            return problem == null;
        }

        /**
         * API discovery ({@code GET /apis/keda.sh/v1alpha1}): open to every authenticated client,
         * so a namespaced install needs no read of the cluster-scoped CRD.
         */
        private static String probe(Context<RewriterModel> context) {
            try {
                return context.getClient().supports(API_VERSION, KIND)
                        ? null
                        : "could not apply the KEDA ScaledObject (is KEDA installed?): the API serves no " + API_VERSION
                                + " " + KIND;
            } catch (KubernetesClientException e) {
                return failure(e);
            }
        }
    }

    /** Reconcile precondition: a deployed model in autoscaling.mode keda. */
    public static class KedaMode implements Condition<ScaledObject, RewriterModel> {
        @Override
        public boolean isMet(
                DependentResource<ScaledObject, RewriterModel> dependent,
                RewriterModel model,
                Context<RewriterModel> context) {
            return wanted(model);
        }
    }

    public static boolean wanted(RewriterModel model) {
        RewriterModelSpec spec = model.getSpec();
        return spec.getEndpoint() == null
                && spec.getAutoscaling() != null
                && spec.getAutoscaling().getMode() == RewriterModelSpec.AutoscalingMode.keda;
    }

    /** The words a keda-mode model's Degraded condition carries when the API refuses or lacks ScaledObjects. */
    public static String failure(KubernetesClientException e) {
        return "could not apply the KEDA ScaledObject (is KEDA installed?): " + e.getCode() + " " + e.getStatus();
    }

    public static GenericKubernetesResource render(RewriterModel model, RenderSettings settings) {
        return render(model, settings, null);
    }

    /** @param pausedReplicas the count KEDA holds the Deployment at, null to let it autoscale */
    public static GenericKubernetesResource render(
            RewriterModel model, RenderSettings settings, Integer pausedReplicas) {
        ScalingPolicy policy = ScalingPolicy.from(model.getSpec());
        String served = ModelNames.servedModelName(model);
        String ns = model.getMetadata().getNamespace();

        Map<String, Object> prometheus = new LinkedHashMap<>();
        prometheus.put("serverAddress", settings.kedaPrometheusAddress());
        prometheus.put(
                "query", "sum(vllm:num_requests_waiting{namespace=\"" + ns + "\",model_name=\"" + served + "\"})");
        prometheus.put("threshold", String.valueOf(Math.max(1, policy.targetWaitingPerReplica())));
        prometheus.put("activationThreshold", "0");

        Map<String, Object> workers = new LinkedHashMap<>();
        workers.put(
                "podSelector",
                ModelNames.MODEL_LABEL + "=" + model.getMetadata().getName() + "," + ModelNames.COMPONENT_LABEL + "="
                        + ModelNames.COMPONENT_WORKER);
        // Only for activation: any worker pod wakes the model; the queue trigger sizes it.
        workers.put("value", "1000000");
        workers.put("activationValue", "0");

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("scaleTargetRef", Map.of("name", ModelNames.deployment(model)));
        spec.put("minReplicaCount", policy.min());
        spec.put("maxReplicaCount", policy.max());
        spec.put("pollingInterval", (int) policy.period().toSeconds());
        spec.put("cooldownPeriod", (int) policy.idleToMin().toSeconds());
        spec.put(
                "advanced",
                Map.of(
                        "horizontalPodAutoscalerConfig",
                        Map.of(
                                "behavior",
                                Map.of(
                                        "scaleUp",
                                                Map.of("stabilizationWindowSeconds", (int)
                                                        policy.scaleUpWindow().toSeconds()),
                                        "scaleDown",
                                                Map.of("stabilizationWindowSeconds", (int)
                                                        policy.scaleDownWindow().toSeconds())))));
        spec.put(
                "triggers",
                List.of(
                        Map.of("type", "prometheus", "name", "queue", "metadata", prometheus),
                        Map.of("type", "kubernetes-workload", "name", "workers", "metadata", workers)));

        Map<String, String> annotations = new LinkedHashMap<>();
        if (pausedReplicas != null) {
            annotations.put(PAUSED_REPLICAS, String.valueOf(pausedReplicas));
        }
        return new GenericKubernetesResourceBuilder()
                .withApiVersion(API_VERSION)
                .withKind(KIND)
                .withNewMetadata()
                .withName(ModelNames.scaledObject(model))
                .withNamespace(ns)
                .withLabels(ModelNames.labels(model, ModelNames.COMPONENT_SERVER))
                .withOwnerReferences(OwnerReferences.controller(model))
                .withAnnotations(annotations)
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build();
    }
}
