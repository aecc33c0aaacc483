package io.palimpsest.operator.model.resources;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Whether KEDA's ScaledObject API is served, as one answer for the whole operator (a CRD is
 * cluster-wide), asked of the cluster as rarely as the answer can change: once when it is there
 * (a CRD removed under a running operator is not expected); while it is not, again at each
 * reconcile of a model in keda mode (which reports the missing API until KEDA is installed, then
 * gets its ScaledObject without an operator restart) and at most once per {@link #RECHECK_ABSENT}
 * for any other model. Nothing is kept per model.
 */
public final class KedaPresence {
    static final Duration RECHECK_ABSENT = Duration.ofSeconds(60);

    /** What the last probe found: null when the API is served, else what to tell the user. */
    private record Probe(String problem, Instant at) {}

    private final Clock clock;
    private volatile Probe last;

    public KedaPresence(Clock clock) {
        this.clock = clock;
    }

    /**
     * Null when ScaledObjects can be made, else the problem to show.
     *
     * @param wanted the asking model needs a ScaledObject now
     * @param probe  asks the cluster once; returns null when the API is served, else the problem
     */
    public synchronized String problem(boolean wanted, Supplier<String> probe) {
        Instant now = clock.instant();
        Probe seen = last;
        if (seen == null
                || seen.problem() != null && (wanted || !now.isBefore(seen.at().plus(RECHECK_ABSENT)))) {
            seen = new Probe(probe.get(), now);
            last = seen;
        }
        return seen.problem();
    }
}
