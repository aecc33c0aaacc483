package io.palimpsest.operator.job.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.operator.job.observe.ClusterReadings;
import io.palimpsest.operator.job.observe.WorkerJobView;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The worker Job planned inside the API server's Indexed Job limits (validation.go, 1.31-1.33). */
class WorkerJobLimitsTest {

    @ParameterizedTest(name = "{0} shards, maxFailedShards {1} -> maxFailedIndexes {2}, violation {3}")
    @CsvSource(
            nullValues = "-",
            value = {
                "5, -, -, -", // no limit asked, none needed
                "5, 2, 2, -",
                "5, 10, 5, -", // above completions: the same promise as 'all of them'
                "100000, 200000, 100000, -",
                "100001, -, 10000, -", // required above 100,000: the most permissive value, said in the status
                "100001, 10000, 10000, -",
                "250000, 10001, 10001, spec.retry.maxFailedShards",
                "3000000000, -, -, status.shards.total",
            })
    void plan(long shards, Integer maxFailedShards, Integer expected, String violation) {
        WorkerJobLimits.Plan plan = WorkerJobLimits.plan(shards, maxFailedShards);
        if (violation == null) {
            assertEquals(List.of(), plan.violations());
            assertEquals(expected, plan.maxFailedIndexes());
        } else {
            assertEquals(
                    violation,
                    plan.violations().get(0).field(),
                    plan.violations().toString());
        }
        assertEquals(
                shards > 100_000 && maxFailedShards == null && shards <= Integer.MAX_VALUE, plan.derived() != null);
    }

    @ParameterizedTest
    @CsvSource({"5, 100000", "100000, 100000", "100001, 10000"})
    void parallelismCap(long shards, int cap) {
        assertEquals(cap, WorkerJobLimits.maxParallelism(shards));
    }

    @Test
    void everyPlannedWorkerJobPassesTheServerRules() {
        for (long shards : new long[] {1, 7, 100_000, 100_001, 2_000_000}) {
            for (Integer maxFailed : new Integer[] {null, 0, 3, 10_000, 150_000}) {
                WorkerJobLimits.Plan plan = WorkerJobLimits.plan(shards, maxFailed);
                if (!plan.violations().isEmpty()) {
                    continue;
                }
                Job job = new JobBuilder()
                        .withNewSpec()
                        .withCompletionMode("Indexed")
                        .withCompletions((int) shards)
                        .withParallelism(Math.min(1_000_000, WorkerJobLimits.maxParallelism(shards)))
                        .withBackoffLimitPerIndex(6)
                        .withMaxFailedIndexes(plan.maxFailedIndexes())
                        .endSpec()
                        .build();
                assertEquals(
                        List.of(),
                        WorkerJobLimits.check(job.getSpec()),
                        shards + " shards, maxFailedShards " + maxFailed);
            }
        }
    }

    @Test
    void checkNamesTheFieldAsTheServerDoes() {
        Job job = new JobBuilder()
                .withNewSpec()
                .withCompletionMode("Indexed")
                .withCompletions(4)
                .withParallelism(200_000)
                .withBackoffLimitPerIndex(2)
                .withMaxFailedIndexes(9)
                .endSpec()
                .build();
        List<FieldError> v = WorkerJobLimits.check(job.getSpec());
        assertEquals(
                List.of("spec.parallelism", "spec.maxFailedIndexes"),
                v.stream().map(FieldError::field).toList());
        assertTrue(v.get(1).message().contains("must be less than or equal to completions"), v.toString());
    }

    /** Kubernetes 1.31+: FailureTarget / SuccessCriteriaMet decide the outcome before Failed / Complete appear. */
    @Test
    void targetConditionsEndTheWorkerJob() {
        assertEquals(
                WorkerJobView.State.FINISHED_WITH_FAILED_SHARDS,
                ClusterReadings.workerJob(withCondition("FailureTarget", "FailedIndexes"))
                        .state());
        assertEquals(
                WorkerJobView.State.TOO_MANY_FAILED_SHARDS,
                ClusterReadings.workerJob(withCondition("FailureTarget", "MaxFailedIndexesExceeded"))
                        .state());
        assertEquals(
                WorkerJobView.State.COMPLETE,
                ClusterReadings.workerJob(withCondition("SuccessCriteriaMet", "CompletionsReached"))
                        .state());
        assertEquals(
                ClusterReadings.HelperState.FAILED,
                ClusterReadings.helperJob(withCondition("FailureTarget", "BackoffLimitExceeded")));
        assertEquals(
                ClusterReadings.HelperState.SUCCEEDED,
                ClusterReadings.helperJob(withCondition("SuccessCriteriaMet", "CompletionsReached")));
        assertNull(ClusterReadings.workerJob(withCondition("Suspended", "JobSuspended"))
                .finishedAt());
    }

    /**
     * Every index failed within maxFailedIndexes (a retry.maxFailedShards at or above the shard count): the Job
     * controller says FailedIndexes, but nothing is committed, so the job fails as one over the limit does.
     */
    @Test
    void aWorkerJobWhoseEveryIndexFailedIsNoPartialSuccess() {
        Job everyOneFailed = withCondition("FailureTarget", "FailedIndexes");
        everyOneFailed.getSpec().setCompletions(3);
        everyOneFailed.getStatus().setCompletedIndexes(null);
        everyOneFailed.getStatus().setFailedIndexes("0-2");
        assertEquals(
                WorkerJobView.State.TOO_MANY_FAILED_SHARDS,
                ClusterReadings.workerJob(everyOneFailed).state());
        Job oneCommitted = withCondition("FailureTarget", "FailedIndexes");
        oneCommitted.getSpec().setCompletions(3);
        oneCommitted.getStatus().setCompletedIndexes("1");
        oneCommitted.getStatus().setFailedIndexes("0,2");
        assertEquals(
                WorkerJobView.State.FINISHED_WITH_FAILED_SHARDS,
                ClusterReadings.workerJob(oneCommitted).state());
    }

    private static Job withCondition(String type, String reason) {
        return new JobBuilder()
                .withNewMetadata()
                .withName("w")
                .endMetadata()
                .withNewSpec()
                .endSpec()
                .withNewStatus()
                .withCompletedIndexes("0,1")
                .withFailedIndexes("2")
                .withActive(1)
                .withConditions(new JobConditionBuilder()
                        .withType(type)
                        .withStatus("True")
                        .withReason(reason)
                        .withLastTransitionTime("2026-12-01T12:00:00Z")
                        .build())
                .endStatus()
                .build();
    }
}
