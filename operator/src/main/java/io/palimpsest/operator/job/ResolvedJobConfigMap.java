package io.palimpsest.operator.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.worker.RequestDeadline;
import io.palimpsest.api.worker.ResolvedJob;

import java.util.Map;

/**
 * The ConfigMap the worker pods read ({@code job.yaml}): the job's spec, the model endpoint the
 * operator resolved and the recipe hash. Fields only the operator acts on (parallelism, weight,
 * suspend, queue) are left out, so editing them does not rewrite the file under running pods.
 */
public final class ResolvedJobConfigMap {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private ResolvedJobConfigMap() {
    }

    public static ResolvedJob resolve(RewriteJob job, ResolvedJob.ResolvedModel model, String recipeHash, int checkpointEvery) {
        ResolvedJob resolved = new ResolvedJob();
        resolved.setNamespace(job.getMetadata().getNamespace());
        resolved.setName(job.getMetadata().getName());
        resolved.setUid(job.getMetadata().getUid());
        resolved.setSpec(workerView(job.getSpec()));
        resolved.setModel(model);
        resolved.setRecipeHash(recipeHash);
        resolved.setCheckpointEvery(checkpointEvery);
        resolved.setRequestTimeoutSeconds(RequestDeadline.seconds(job.getSpec()));
        return resolved;
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

    private static RewriteJobSpec workerView(RewriteJobSpec spec) {
        RewriteJobSpec copy = YAML.convertValue(spec, RewriteJobSpec.class);
        copy.setSuspend(null);
        copy.setQueueName(null);
        if (copy.getWorkers() != null) {
            copy.getWorkers().setParallelism(null);
            copy.getWorkers().setWeight(null);
        }
        return copy;
    }
}
