package io.palimpsest.operator.model;

import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.lint.NameLimits;
import io.palimpsest.api.v1alpha1.RewriterModel;
import java.util.Optional;

/**
 * Whether the objects the operator makes for a model can carry their names. A name too long for
 * them would fail at the API server on every reconcile; it is refused once, as an invalid spec naming
 * the field, before anything is made. The headless Service's bound is {@link NameLimits#model}, which
 * the linter (and so {@code local}) applies alike; the weight download Job's depends on the weight
 * source, which only the operator resolves.
 */
public final class ModelNameLimit {

    private ModelNameLimit() {}

    /** A violation on metadata.name when an object this model needs would get a name too long; empty otherwise. */
    public static Optional<FieldError> check(RewriterModel model, WeightSource weights) {
        // the download Job's bound is the tighter one when there is a cache: said first, so one fix does
        String job = weights.usesCache() ? ModelNames.downloadJob(model, weights.identity()) : "";
        if (job.length() > NameLimits.MAX_LABEL) {
            int name = model.getMetadata().getName().length();
            int limit = NameLimits.MAX_LABEL - (job.length() - name);
            return Optional.of(new FieldError(
                    "metadata.name",
                    "at most " + limit + " characters for a model with a weight cache"
                            + " (its weight download Job is named <name>-download-<hash> and that name has at most "
                            + NameLimits.MAX_LABEL
                            + "); this one has " + name));
        }
        return NameLimits.model(model).map(why -> new FieldError("metadata.name", why));
    }
}
