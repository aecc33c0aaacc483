package io.palimpsest.operator.model;

import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.operator.job.SpecValidator.Violation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Whether the objects the operator makes for a model can carry their names. Each is named after the
 * model plus a suffix, and a Service name (a DNS label) and a Job name (copied into a label on its
 * pods) have at most 63 characters; the CRD allows any object name up to 253. A name too long for
 * them would fail at the API server on every reconcile; it is refused once, as an invalid spec naming
 * the field, before anything is made.
 */
public final class ModelNameLimit {
    /** Longest name of a Service (DNS-1035 label) or a Job (label value). */
    public static final int MAX_OBJECT_NAME = 63;

    private record Owned(String what, String pattern, String name) {
    }

    private ModelNameLimit() {
    }

    /** A violation on metadata.name when an object this model needs would get a name too long; empty otherwise. */
    public static Optional<Violation> check(RewriterModel model, WeightSource weights) {
        List<Owned> owned = new ArrayList<>();
        owned.add(new Owned("its headless Service", "<name>" + JobResolver.MODEL_REPLICAS_SERVICE_SUFFIX,
                ModelNames.replicasService(model)));
        if (weights.usesCache()) {
            owned.add(new Owned("its weight download Job", "<name>-download-<hash>", ModelNames.downloadJob(model, weights.identity())));
        }
        Owned longest = owned.stream().max(Comparator.comparingInt(o -> o.name().length())).orElseThrow();
        if (longest.name().length() <= MAX_OBJECT_NAME) {
            return Optional.empty();
        }
        int name = model.getMetadata().getName().length();
        int limit = MAX_OBJECT_NAME - (longest.name().length() - name);
        return Optional.of(new Violation("metadata.name", "at most " + limit + " characters for a model the operator runs ("
                + longest.what() + " is named " + longest.pattern() + " and that name has at most " + MAX_OBJECT_NAME
                + "); this one has " + name));
    }
}
