package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.lint.JobSpecRules;
import io.palimpsest.api.lint.NameLimits;
import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.recipe.ModelCalls;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.operator.model.ModelNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks what the CRD schema and CEL rules cannot: facts about the cluster and relations between
 * fields. Each violation names the field; the job then fails with reason InvalidSpec and is not
 * retried (only a new generation is looked at again). Recipe templates are the worker's to judge.
 */
public final class SpecValidator {
    /** The longest RewriteJob name ({@link NameLimits#MAX_JOB_NAME}, checked by the linter alike). */
    public static final int MAX_NAME_LENGTH = NameLimits.MAX_JOB_NAME;

    private SpecValidator() {}

    public static List<FieldError> validate(RewriteJob job) {
        List<FieldError> out = new ArrayList<>();
        String name = job.getMetadata().getName();
        NameLimits.job(name).ifPresent(why -> out.add(new FieldError("metadata.name", why)));
        RewriteJobSpec spec = job.getSpec();
        if (spec == null) {
            out.add(new FieldError("spec", "is required"));
            return out;
        }
        if (spec.getModelRef() != null && spec.getModelRef().getName() == null) {
            out.add(new FieldError("spec.modelRef.name", "is required"));
        } else if (spec.getModelRef() == null && ModelCalls.needed(spec.getRecipe())) {
            out.add(new FieldError(
                    "spec.modelRef",
                    "is required: the recipe calls a model at "
                            + String.join(", ", ModelCalls.where(spec.getRecipe()))));
        }
        if (spec.getRecipe() == null) {
            out.add(new FieldError("spec.recipe", "is required"));
        }
        String in = spec.getInput() == null ? null : spec.getInput().getUri();
        String outUri = spec.getOutput() == null ? null : spec.getOutput().getUri();
        if (in == null) {
            out.add(new FieldError("spec.input.uri", "is required"));
        }
        if (outUri == null) {
            out.add(new FieldError("spec.output.uri", "is required"));
        }
        checkClusterReachable(out, "spec.input.uri", in);
        checkClusterReachable(out, "spec.output.uri", outUri);
        if (in != null && outUri != null) {
            switch (StorageUris.overlap(in, outUri)) {
                case SAME ->
                    out.add(new FieldError(
                            "spec.output.uri", "equals spec.input.uri; the job would read its own output"));
                case OUTPUT_INSIDE_INPUT ->
                    out.add(new FieldError(
                            "spec.output.uri",
                            "is inside spec.input.uri (" + in + "); the job would read its own output"));
                case INPUT_INSIDE_OUTPUT ->
                    out.add(new FieldError(
                            "spec.input.uri",
                            "is inside spec.output.uri (" + outUri
                                    + "); outputs and receipts would mix with the input"));
                case NONE -> {}
            }
        }
        StorageUris.pathProblem(in).ifPresent(p -> out.add(new FieldError("spec.input.uri", p)));
        StorageUris.pathProblem(outUri).ifPresent(p -> out.add(new FieldError("spec.output.uri", p)));
        if (spec.getRetry() != null
                && spec.getRetry().getMaxFailedShards() != null
                && spec.getRetry().getMaxFailedShards() < 0) {
            out.add(new FieldError("spec.retry.maxFailedShards", "must be 0 or more"));
        }
        out.addAll(JobSpecRules.check(job));
        return out;
    }

    /**
     * What must hold from the job's start on, checked against what its worker Job was made with: the
     * model its workers call ({@code spec.modelRef}). The CRD refuses the change itself (a transition
     * rule); this holds where the cluster's CRD predates the rule (Helm never upgrades the CRDs of a
     * release), so workers started after the edit never call another model than the ones before.
     *
     * @param workerJob the job's worker Job, or null before it exists (nothing is written yet to mix with)
     */
    public static List<FieldError> keptSinceStart(RewriteJob job, Job workerJob) {
        if (workerJob == null
                || workerJob.getSpec() == null
                || workerJob.getSpec().getTemplate() == null
                || workerJob.getSpec().getTemplate().getMetadata() == null) {
            return List.of();
        }
        Map<String, String> labels =
                workerJob.getSpec().getTemplate().getMetadata().getLabels();
        String running = labels == null ? null : labels.get(ModelNames.MODEL_LABEL);
        RewriteJobSpec.ModelRef ref =
                job.getSpec() == null ? null : job.getSpec().getModelRef();
        String named = ref == null ? null : ref.getName();
        if (Objects.equals(running, named)) {
            return List.of();
        }
        return List.of(new FieldError(
                "spec.modelRef",
                RewriteJobSpec.MODEL_REF_IMMUTABLE_MESSAGE
                        + (running == null
                                ? " (this job's workers run without a model: remove spec.modelRef to go on)"
                                : " (this job's workers run on RewriterModel \"" + running
                                        + "\": set spec.modelRef.name back to \"" + running + "\" to go on)")));
    }

    private static void checkClusterReachable(List<FieldError> out, String field, String uri) {
        StorageUris.clusterProblem(uri).ifPresent(p -> out.add(new FieldError(field, p)));
    }
}
