package io.palimpsest.api.lint;

import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.JobResolver;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the names of a RewriteJob and a RewriterModel may be, given the objects named after them:
 * the CRD allows any object name up to 253 characters with dots, but a pod's host name is a DNS-1123
 * label and a Service's name a DNS-1035 label (a letter first), each of at most 63. Checked where manifests are read (the linter, so {@code palimpsest lint}
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

    /** A DNS-1123 label: what a pod's host name must be. */
    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** A DNS-1035 label: what a Service's name must be. */
    private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

    /** Why a RewriteJob's name cannot name its worker pods (the problem is on metadata.name); empty when it can. */
    public static Optional<String> job(String name) {
        if (name == null) {
            return Optional.empty();
        }
        if (name.length() > MAX_JOB_NAME) {
            return Optional.of(
                    "at most " + MAX_JOB_NAME + " characters (worker pods are named <name>-work-<index> and a pod"
                            + " hostname has at most " + MAX_LABEL + "); this one has " + name.length());
        }
        if (!DNS_1123_LABEL.matcher(name).matches()) {
            return Optional.of("'" + name + "' cannot start a pod's host name (worker pods are named"
                    + " <name>-work-<index>, a DNS label): lower-case letters, digits and '-' only, no '.'");
        }
        return Optional.empty();
    }

    /**
     * Why a job with this many shards cannot name its worker pods ({@code <name>-work-<index>}, the
     * index up to {@code shards - 1}); empty when the longest name fits. {@link #MAX_JOB_NAME} leaves room
     * for 6 digits, so this matters only past a million shards.
     */
    public static Optional<String> shardIndexes(String name, long shards) {
        if (name == null || shards <= 0) {
            return Optional.empty();
        }
        int longest =
                name.length() + "-work-".length() + String.valueOf(shards - 1).length();
        if (longest <= MAX_LABEL) {
            return Optional.empty();
        }
        return Optional.of("with " + shards + " shards the last worker pod is named <name>-work-" + (shards - 1)
                + ", " + longest + " characters, and a pod hostname has at most " + MAX_LABEL
                + ": a shorter name, or fewer, larger shards");
    }

    /** Why a RewriterModel's name is too long for the objects the operator makes for it; empty when it fits or the model is external. */
    public static Optional<String> model(RewriterModel model) {
        String name = model.getMetadata() == null ? null : model.getMetadata().getName();
        boolean operated = model.getSpec() == null || model.getSpec().getEndpoint() == null;
        if (!operated || name == null) {
            return Optional.empty();
        }
        if (name.length() <= MAX_OPERATED_MODEL_NAME) {
            return DNS_1035_LABEL.matcher(name).matches()
                    ? Optional.empty()
                    : Optional.of("'" + name + "' cannot name the model's Services (<name>"
                            + JobResolver.MODEL_SERVICE_SUFFIX + " and <name>"
                            + JobResolver.MODEL_REPLICAS_SERVICE_SUFFIX + ", DNS-1035 labels): it must start with a"
                            + " lower-case letter and hold only lower-case letters, digits and '-', no '.'");
        }
        return Optional.of(
                "at most " + MAX_OPERATED_MODEL_NAME + " characters for a model the operator runs (its headless Service"
                        + " is named <name>" + JobResolver.MODEL_REPLICAS_SERVICE_SUFFIX + " and that name has at most "
                        + MAX_LABEL
                        + "); this one has " + name.length());
    }
}
