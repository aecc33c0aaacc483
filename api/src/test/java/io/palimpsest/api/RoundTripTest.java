package io.palimpsest.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import io.palimpsest.api.worker.RecipeHash;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Objects written by the Java types and read back are equal, in JSON and in YAML. */
class RoundTripTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();

    private static <T> T read(String resource, Class<T> type) throws Exception {
        try (InputStream in = RoundTripTest.class.getResourceAsStream("/" + resource)) {
            return YAML.readValue(in, type);
        }
    }

    @Test
    void rewriteJobWithStatusRoundTrips() throws Exception {
        RewriteJob job = read("valid-rewritejob.yaml", RewriteJob.class);
        RewriteJobStatus status = new RewriteJobStatus();
        status.setPhase(JobPhase.Running);
        status.setShards(new RewriteJobStatus.ShardCounts(100, 40, 1, 8, 51));
        status.setCompletedShards("0-38,41");
        status.setFailedShards("39");
        status.setDocuments(new RewriteJobStatus.DocumentCounts(1000, 950, 30, 20));
        status.setTokens(new RewriteJobStatus.TokenCounts(500_000, 420_000));
        status.setRecentFailures(List.of(
                new RewriteJobStatus.ShardFailure(39, 3, "BadData", "line 7: not JSON", "2026-11-25T10:00:00Z")));
        status.setConditions(List.of(condition(Conditions.PROGRESSING, Conditions.TRUE, JobReason.Running.name())));
        status.setRecipeHash(RecipeHash.of(job.getSpec().getRecipe()));
        job.setStatus(status);

        assertEquals(job, JSON.readValue(JSON.writeValueAsString(job), RewriteJob.class));
        assertEquals(job, YAML.readValue(YAML.writeValueAsString(job), RewriteJob.class));
        assertEquals(job.getSpec().getRecipe().getPrompts().get(0).getSampling().getTopP(), 0.9);
        assertEquals("auto", job.getSpec().getWorkers().getParallelism().getStrVal());
        assertEquals(256, job.getSpec().getWorkers().getConcurrencyPerWorker().getIntVal());
    }

    @Test
    void rewriterModelWithStatusRoundTrips() throws Exception {
        RewriterModel model = read("valid-rewritermodel.yaml", RewriterModel.class);
        RewriterModelStatus status = new RewriterModelStatus();
        status.setPhase(ModelPhase.Ready);
        status.setReplicas(2);
        status.setReadyReplicas(2);
        status.setDesiredReplicas(3);
        RewriterModelStatus.QueueSample sample = new RewriterModelStatus.QueueSample();
        sample.setWaiting(40);
        sample.setRunning(512);
        sample.setSampledAt("2026-11-25T10:00:00Z");
        status.setQueue(sample);
        model.setStatus(status);
        assertEquals(model, JSON.readValue(JSON.writeValueAsString(model), RewriterModel.class));
        assertEquals(model, YAML.readValue(YAML.writeValueAsString(model), RewriterModel.class));
    }

    @Test
    void recipeHashIsStableAndSensitive() throws Exception {
        RewriteJob a = read("valid-rewritejob.yaml", RewriteJob.class);
        RewriteJob b = YAML.readValue(YAML.writeValueAsString(a), RewriteJob.class);
        String hash = RecipeHash.of(a.getSpec().getRecipe());
        assertNotNull(hash);
        assertEquals(hash, RecipeHash.of(b.getSpec().getRecipe()));
        b.getSpec().getRecipe().getPrompts().get(0).getSampling().setTemperature(0.1);
        assertNotEquals(hash, RecipeHash.of(b.getSpec().getRecipe()));
    }

    private static Condition condition(String type, String status, String reason) {
        return new ConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withReason(reason)
                .withMessage("m")
                .withLastTransitionTime("2026-11-25T10:00:00Z")
                .withObservedGeneration(3L)
                .build();
    }
}
