package io.palimpsest.operator.model.autoscale;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.metrics.ModelMetrics;
import io.palimpsest.operator.model.Models;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A deleted model's state goes with it whether or not the autoscaler is enabled: with it disabled the
 * scraper scrapes nothing but its ticks still forget the model's observations and series and tell the
 * reconciler which models exist.
 */
class MetricsScraperForgetsTest {
    @Test
    void withTheAutoscalerDisabledADeletedModelsStateIsForgottenAndNothingIsScraped() {
        ModelObservations observations = new ModelObservations();
        ModelMetrics metrics = new ModelMetrics(new SimpleMeterRegistry());
        PodAddressResolver noPods = (PodAddressResolver) Proxy.newProxyInstance(
                PodAddressResolver.class.getClassLoader(),
                new Class<?>[] {PodAddressResolver.class},
                (proxy, method, args) -> {
                    throw new AssertionError("scraped with the autoscaler disabled: " + method.getName());
                });
        MetricsScraper scraper =
                new MetricsScraper(noPods, observations, metrics, autoscaler(false), Clock.systemUTC());

        RewriterModel kept = Models.onPvc("kept", 1, 2);
        ResourceID keptId = ResourceID.fromResource(kept);
        ResourceID goneId = new ResourceID("gone", kept.getMetadata().getNamespace());
        for (ResourceID id : List.of(keptId, goneId)) {
            metrics.reconciled(id, true);
            metrics.phase(id, io.palimpsest.api.v1alpha1.ModelPhase.Ready);
            observations.recordHistory(id, observations.history(id));
        }
        AtomicReference<Set<ResourceID>> told = new AtomicReference<>();
        scraper.watch(cache(kept), told::set);
        scraper.startLeading();
        try {
            assertTrue(scraper.running(), "the ticks run with the autoscaler disabled");
            await().atMost(Duration.ofSeconds(10)).until(() -> told.get() != null);
            assertEquals(Set.of(keptId), told.get(), "the reconciler is told which models exist");
            assertEquals(Set.of(keptId), metrics.ids());
            assertEquals(Set.of(keptId), observations.ids());
        } finally {
            scraper.stopLeading();
        }
    }

    @SuppressWarnings("unchecked")
    private static IndexerResourceCache<RewriterModel> cache(RewriterModel... models) {
        return (IndexerResourceCache<RewriterModel>) Proxy.newProxyInstance(
                IndexerResourceCache.class.getClassLoader(),
                new Class<?>[] {IndexerResourceCache.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("list") && (args == null || args.length == 0)) {
                        return List.of(models).stream();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static PalimpsestConfig autoscaler(boolean enabled) {
        PalimpsestConfig.Autoscaler autoscaler = new PalimpsestConfig.Autoscaler() {
            @Override
            public Duration scrapeTimeout() {
                return Duration.ofSeconds(1);
            }

            @Override
            public Duration tick() {
                return Duration.ofMillis(50);
            }

            @Override
            public boolean enabled() {
                return enabled;
            }
        };
        return (PalimpsestConfig) Proxy.newProxyInstance(
                PalimpsestConfig.class.getClassLoader(),
                new Class<?>[] {PalimpsestConfig.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "autoscaler" -> autoscaler;
                    case "toString" -> "TestConfig";
                    case "hashCode" -> 0;
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
