package io.palimpsest.operator.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ResolvedJob;

import java.util.Map;

/**
 * The ConfigMap the worker pods read ({@code job.yaml}): the job as {@link JobResolver} resolves it
 * (the spec without operator-only fields, the model endpoint, the recipe hash, checkpointEvery).
 */
public final class ResolvedJobConfigMap {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private ResolvedJobConfigMap() {
    }

    /** The job as workers run it, resolved by the one resolver {@code palimpsest local} uses too. */
    public static ResolvedJob resolve(RewriteJob job, RewriterModel model, JobSettings settings) {
        return JobResolver.resolve(job, model, new JobResolver.Settings(settings.checkpointEvery(), settings.defaultMaxNumSeqs()));
    }

    public static ConfigMap desired(RewriteJob job, ResolvedJob resolved) {
        try {
            return new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName(RewriteJobNames.configMap(job))
                    .withNamespace(job.getMetadata().getNamespace())
                    .withLabels(RewriteJobNames.labels(job, "config"))
                    .endMetadata()
                    .withData(Map.of(ResolvedJob.CONFIG_KEY, YAML.writeValueAsString(resolved)))
                    .build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render job.yaml", e);
        }
    }
}
