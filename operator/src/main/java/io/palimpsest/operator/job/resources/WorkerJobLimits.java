package io.palimpsest.operator.job.resources;

import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.palimpsest.api.lint.FieldError;
import java.util.ArrayList;
import java.util.List;

/**
 * The limits a real API server puts on an Indexed Job with {@code backoffLimitPerIndex}, and how
 * the worker Job is planned to stay inside them. The numbers are those of
 * {@code pkg/apis/batch/validation/validation.go} ({@code validateJobSpec}) in Kubernetes
 * 1.31-1.33; a Job outside them is refused with 422 Unprocessable Entity and never exists.
 * <ul>
 *   <li>{@code maxFailedIndexes} at most {@code completions}, and at most 100,000;</li>
 *   <li>above 100,000 completions with {@code backoffLimitPerIndex}: {@code maxFailedIndexes} is
 *       required and at most 10,000, and {@code parallelism} at most 10,000;</li>
 *   <li>Indexed {@code parallelism} at most 100,000; counts not negative.</li>
 * </ul>
 * Planned around where the meaning is kept: {@code retry.maxFailedShards} above the shard count is
 * the same promise as "all of them", so it is cut to the shard count; parallelism is a capacity
 * choice, so it is capped. Above 100,000 shards an unset {@code maxFailedShards} (no limit) cannot
 * be expressed: the most the API allows, 10,000, is derived and said in the status. An explicit
 * {@code maxFailedShards} above 10,000 there cannot be honoured and is a violation.
 */
public final class WorkerJobLimits {
    public static final int MAX_INDEXED_PARALLELISM = 100_000;
    public static final int MAX_FAILED_INDEXES = 100_000;
    public static final int COMPLETIONS_SOFT_LIMIT = 100_000;
    public static final int PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
    public static final int MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS = 10_000;

    private static final String SOURCE = "pkg/apis/batch/validation/validation.go, Kubernetes 1.31-1.33";

    /**
     * @param maxFailedIndexes what to write as {@code maxFailedIndexes} (null: no limit)
     * @param derived          a sentence for the status when {@code maxFailedIndexes} had to be chosen, else null
     * @param violations       what cannot be planned around; the job must not be created
     */
    public record Plan(Integer maxFailedIndexes, String derived, List<FieldError> violations) {}

    private WorkerJobLimits() {}

    public static Plan plan(long shards, Integer maxFailedShards) {
        List<FieldError> violations = new ArrayList<>();
        if (shards > Integer.MAX_VALUE) {
            violations.add(new FieldError(
                    "status.shards.total",
                    shards + " shards do not fit a Job's completions (" + Integer.MAX_VALUE
                            + " at most); plan larger shards"));
            return new Plan(maxFailedShards, null, violations);
        }
        boolean high = shards > COMPLETIONS_SOFT_LIMIT;
        if (maxFailedShards == null) {
            if (!high) {
                return new Plan(null, null, violations);
            }
            return new Plan(
                    MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS,
                    "retry.maxFailedShards is unset but the API server requires "
                            + "maxFailedIndexes <= " + MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS + " above "
                            + COMPLETIONS_SOFT_LIMIT
                            + " shards (" + SOURCE + "); the job fails once more than "
                            + MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS
                            + " shards have failed",
                    violations);
        }
        if (high && maxFailedShards > MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS) {
            violations.add(new FieldError(
                    "spec.retry.maxFailedShards",
                    "is " + maxFailedShards + " but with "
                            + shards + " shards (above " + COMPLETIONS_SOFT_LIMIT + ") the API server allows at most "
                            + MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS + " (" + SOURCE
                            + "); lower it or plan fewer, larger shards"));
        }
        int cut = (int) Math.min(Math.min(maxFailedShards, shards), MAX_FAILED_INDEXES);
        return new Plan(cut, null, violations);
    }

    /** The most pods the worker Job may run at once for this many shards. */
    public static int maxParallelism(long shards) {
        return shards > COMPLETIONS_SOFT_LIMIT ? PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS : MAX_INDEXED_PARALLELISM;
    }

    /**
     * The rules above checked on a rendered Indexed Job spec (the last look before it is sent),
     * phrased as the API server phrases them, with the field path.
     */
    public static List<FieldError> check(JobSpec spec) {
        List<FieldError> out = new ArrayList<>();
        Integer completions = spec.getCompletions();
        Integer parallelism = spec.getParallelism();
        Integer maxFailed = spec.getMaxFailedIndexes();
        Integer perIndex = spec.getBackoffLimitPerIndex();
        nonNegative(out, "spec.completions", completions);
        nonNegative(out, "spec.parallelism", parallelism);
        nonNegative(out, "spec.backoffLimitPerIndex", perIndex);
        nonNegative(out, "spec.maxFailedIndexes", maxFailed);
        if (maxFailed != null && perIndex == null) {
            out.add(new FieldError("spec.backoffLimitPerIndex", "Required value: when maxFailedIndexes is specified"));
        }
        if (!"Indexed".equals(spec.getCompletionMode())) {
            return out;
        }
        if (completions == null) {
            out.add(new FieldError("spec.completions", "Required value: when completion mode is Indexed"));
            return out;
        }
        if (parallelism != null && parallelism > MAX_INDEXED_PARALLELISM) {
            out.add(new FieldError(
                    "spec.parallelism",
                    "Invalid value: " + parallelism + ": must be less than or equal to " + MAX_INDEXED_PARALLELISM
                            + " when completion mode is Indexed"));
        }
        if (maxFailed != null && maxFailed > completions) {
            out.add(new FieldError(
                    "spec.maxFailedIndexes",
                    "Invalid value: " + maxFailed + ": must be less than or equal to completions"));
        }
        if (maxFailed != null && maxFailed > MAX_FAILED_INDEXES) {
            out.add(new FieldError(
                    "spec.maxFailedIndexes",
                    "Invalid value: " + maxFailed + ": must be less than or equal to " + MAX_FAILED_INDEXES));
        }
        if (completions > COMPLETIONS_SOFT_LIMIT && perIndex != null) {
            if (maxFailed == null) {
                out.add(new FieldError(
                        "spec.maxFailedIndexes",
                        "Required value: must be specified when completions is above " + COMPLETIONS_SOFT_LIMIT));
            } else if (maxFailed > MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS) {
                out.add(new FieldError(
                        "spec.maxFailedIndexes",
                        "Invalid value: " + maxFailed
                                + ": must be less than or equal to " + MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS
                                + " when completions are above "
                                + COMPLETIONS_SOFT_LIMIT + " and used with backoff limit per index"));
            }
            if (parallelism != null && parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
                out.add(new FieldError(
                        "spec.parallelism",
                        "Invalid value: " + parallelism
                                + ": must be less than or equal to " + PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS
                                + " when completions are above "
                                + COMPLETIONS_SOFT_LIMIT + " and used with backoff limit per index"));
            }
        }
        return out;
    }

    private static void nonNegative(List<FieldError> out, String field, Integer value) {
        if (value != null && value < 0) {
            out.add(new FieldError(field, "Invalid value: " + value + ": must be greater than or equal to 0"));
        }
    }
}
