package io.palimpsest.api.lint;

import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.JobResolver;
import java.util.Optional;

/**
 * How long the names of a RewriteJob and a RewriterModel may be, given the objects named after them:
 * the CRD allows any object name up to 253 characters, but a pod's host name and a Service's name are
 * DNS labels of at most 63. Checked where manifests are read (the linter, so {@code palimpsest lint}
 * and {@code local}) and by the operator, with the same rule and message, so a name one accepts the
 * other accepts too.
 */
public final class NameLimits {
    /** Longest DNS label: a Service's name, a pod's host name, a label value. */
    public static final int MAX_LABEL = 63;
    /** Worker pods of an Indexed Job are named {@code <job>-work-<index>}, an index up to 6 digits. */
    public static final int MAX_JOB_NAME = MAX_LABEL - "-work".length() - 7;
    /** A model the operator runs gets the headless Service {@code <name>-vllm-replicas}. */
    public static final int MAX_OPERATED_MODEL_NAME = MAX_LABEL - JobResolver.MODEL_REPLICAS_SERVICE_SUFFIX.length();

    private NameLimits() {}

    /** Why a RewriteJob's name is too long (the problem is on metadata.name); empty when it fits. */
    public static Optional<String> job(String name) {
        if (name == null || name.length() <= MAX_JOB_NAME) {
            return Optional.empty();
        }
        return Optional.of(
                "at most " + MAX_JOB_NAME + " characters (worker pods are named <name>-work-<index> and a pod"
                        + " hostname has at most " + MAX_LABEL + "); this one has " + name.length());
    }

    /** Why a RewriterModel's name is too long for the objects the operator makes for it; empty when it fits or the model is external. */
    public static Optional<String> model(RewriterModel model) {
        String name = model.getMetadata() == null ? null : model.getMetadata().getName();
        boolean operated = model.getSpec() == null || model.getSpec().getEndpoint() == null;
        if (!operated || name == null || name.length() <= MAX_OPERATED_MODEL_NAME) {
            return Optional.empty();
        }
        return Optional.of(
                "at most " + MAX_OPERATED_MODEL_NAME + " characters for a model the operator runs (its headless Service"
                        + " is named <name>" + JobResolver.MODEL_REPLICAS_SERVICE_SUFFIX + " and that name has at most "
                        + MAX_LABEL
                        + "); this one has " + name.length());
    }
}
