package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.model.ModelNames;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Holds the weights once for all replicas, so scaling up does not download them again. */
public class WeightCachePvc extends ModelDependent<PersistentVolumeClaim> {

    public WeightCachePvc(RenderSettings settings) {
        super(PersistentVolumeClaim.class, ModelNames.COMPONENT_CACHE, settings);
    }

    @Override
    protected PersistentVolumeClaim render(RewriterModel model, Context<RewriterModel> context) {
        PersistentVolumeClaim desired = render(model, settings);
        // A claim's spec cannot change once it exists, but for a larger storage request on a bound claim
        // whose class allows expansion: a changed default (chart value) or spec applies to new caches,
        // and existing ones keep reconciling instead of failing. The operator never resizes a claim.
        context.getSecondaryResource(PersistentVolumeClaim.class).ifPresent(existing -> {
            desired.getSpec().setAccessModes(existing.getSpec().getAccessModes());
            desired.getSpec().setStorageClassName(existing.getSpec().getStorageClassName());
            desired.getSpec().setResources(existing.getSpec().getResources());
        });
        return desired;
    }

    public static PersistentVolumeClaim render(RewriterModel model, RenderSettings settings) {
        RewriterModelSpec.Cache cache = cache(model);
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(ModelNames.cachePvc(model))
                .withNamespace(model.getMetadata().getNamespace())
                .withLabels(ModelNames.labels(model, ModelNames.COMPONENT_CACHE))
                .endMetadata()
                .withNewSpec()
                .withAccessModes(accessModes(cache, settings))
                .withStorageClassName(
                        cache.getStorageClassName() != null
                                ? cache.getStorageClassName()
                                : settings.cacheStorageClassName()
                                        .filter(s -> !s.isBlank())
                                        .orElse(null))
                .withVolumeMode("Filesystem")
                .withNewResources()
                .withRequests(Map.of(
                        "storage",
                        new Quantity(Optional.ofNullable(cache.getSize()).orElse("100Gi"))))
                .endResources()
                .endSpec()
                .build();
    }

    /**
     * The access modes the model's cache claim has: those of the claim when it exists (they are fixed
     * once it is made, whatever the spec or the chart say now), else those it will be made with.
     */
    public static List<String> accessModes(
            RewriterModel model, RenderSettings settings, Optional<PersistentVolumeClaim> existing) {
        return existing.map(PersistentVolumeClaim::getSpec)
                .map(spec -> spec.getAccessModes())
                .filter(modes -> !modes.isEmpty())
                .orElseGet(() -> accessModes(cache(model), settings));
    }

    private static RewriterModelSpec.Cache cache(RewriterModel model) {
        return Optional.ofNullable(model.getSpec().getSource())
                .map(RewriterModelSpec.ModelSource::getCache)
                .orElseGet(RewriterModelSpec.Cache::new);
    }

    static List<String> accessModes(RewriterModelSpec.Cache cache, RenderSettings settings) {
        if (cache.getAccessModes() != null && !cache.getAccessModes().isEmpty()) {
            return cache.getAccessModes().stream().map(Enum::name).toList();
        }
        return settings.cacheAccessModes();
    }
}
