package io.palimpsest.operator.job;

import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.lint.NameLimits;
import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.recipe.ModelCalls;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import java.util.ArrayList;
import java.util.List;

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
        return out;
    }

    private static void checkClusterReachable(List<FieldError> out, String field, String uri) {
        if (uri != null && uri.startsWith("file://")) {
            out.add(new FieldError(
                    field, "file:// exists on one machine only (palimpsest local); in a cluster use s3:// or pvc://"));
        }
    }
}
