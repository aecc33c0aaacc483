package io.palimpsest.operator.model.resources;

import io.palimpsest.operator.PalimpsestConfig;

import java.time.Duration;

/** The operator-wide inputs of rendering, copied out of the config so renderers stay plain and testable. */
public record RenderSettings(String defaultVllmImage, String s3DownloadImage, long runAsUser, Duration startupBudget,
                             String cacheAccessMode, String kedaPrometheusAddress) {

    public static RenderSettings from(PalimpsestConfig config) {
        return new RenderSettings(config.model().defaultVllmImage(), config.model().s3DownloadImage(),
                config.model().runAsUser(), config.model().startupBudget(), config.model().cacheAccessMode(),
                config.keda().prometheusAddress());
    }

    public static RenderSettings defaults() {
        return new RenderSettings("vllm/vllm-openai:v0.11.0", "amazon/aws-cli:2.31.0", 1000, Duration.ofMinutes(10),
                "ReadWriteOnce", "http://prometheus-operated.monitoring.svc:9090");
    }
}
