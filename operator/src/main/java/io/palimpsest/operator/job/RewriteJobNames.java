package io.palimpsest.operator.job;

import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.operator.pods.StuckPods;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Names and labels of everything a RewriteJob owns. Fixed names make creation idempotent across operator restarts. */
public final class RewriteJobNames {
    public static final String JOB_LABEL = "palimpsest.io/rewritejob";
    public static final String ROLE_LABEL = "palimpsest.io/role";
    public static final String ROLE_PLAN = "plan";
    public static final String ROLE_WORK = "work";
    public static final String ROLE_TALLY = "tally";
    public static final String ROLE_PREVIEW = "preview";

    /** How a job's stuck pods are told: the planner, tally and preview first, then the workers. */
    public static final StuckPods.Roles POD_ROLES =
            new StuckPods.Roles(ROLE_LABEL, List.of(ROLE_PLAN, ROLE_TALLY, ROLE_PREVIEW, ROLE_WORK), role -> {
                if (role == null) {
                    return "the";
                }
                return switch (role) {
                    case ROLE_PLAN -> "the planner";
                    case ROLE_TALLY -> "the tally";
                    case ROLE_PREVIEW -> "the preview";
                    case ROLE_WORK -> "worker";
                    default -> "the " + role;
                };
            });
    /** Recorded on the planner Job once read from its pod, so the count outlives the pod. */
    public static final String SHARDS_ANNOTATION = "palimpsest.io/shards";
    /**
     * On every pod the job's Jobs make: the output it writes, as {@code SharedOutput.key} spells it (an s3:// URI
     * normalised, a pvc:// one after its namespace). A pod outlives its RewriteJob deleted in the background, and
     * whoever plans into that output next must know it may still commit there.
     */
    public static final String OUTPUT_ANNOTATION = "palimpsest.io/output";
    /** On every pod the job's Jobs make: the RewriteJob's uid, as a job of the same name made later has another. */
    public static final String JOB_UID_ANNOTATION = "palimpsest.io/rewritejob-uid";

    public static final String KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
    /** Set by the Job controller on Indexed Job pods. */
    public static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
    /** Set by the Job controller on pods of Jobs with backoffLimitPerIndex: failures of this index so far. */
    public static final String INDEX_FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count";

    public static final String CONTAINER = "palimpsest";

    private RewriteJobNames() {}

    public static String configMap(RewriteJob job) {
        return job.getMetadata().getName() + "-job";
    }

    public static String plannerJob(RewriteJob job) {
        return job.getMetadata().getName() + "-plan";
    }

    public static String workerJob(RewriteJob job) {
        return job.getMetadata().getName() + "-work";
    }

    public static String tallyJob(RewriteJob job) {
        return job.getMetadata().getName() + "-tally";
    }

    public static String previewJob(RewriteJob job) {
        return job.getMetadata().getName() + "-preview";
    }

    public static Map<String, String> labels(RewriteJob job, String role) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", "palimpsest");
        labels.put("app.kubernetes.io/instance", job.getMetadata().getName());
        labels.put(ModelNames.MANAGED_BY_LABEL, ModelNames.MANAGED_BY);
        labels.put(JOB_LABEL, job.getMetadata().getName());
        labels.put(ROLE_LABEL, role);
        return labels;
    }
}
