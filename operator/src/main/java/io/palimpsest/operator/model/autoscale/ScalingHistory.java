package io.palimpsest.operator.model.autoscale;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the recommender remembers between decisions: raw recommendations inside the
 * stabilization windows, and when the model last had work. Immutable; each decision returns
 * the next history.
 *
 * <p>{@code lastJobWorkAt} is the last decision that saw a bound job with work left; when it is also
 * the last busy one, the model's last work was a job's, and {@link IdleRule} counts the idle wait
 * from that job's end.
 *
 * <p>Stays small: entries older than the longest window are dropped, and a run of equal
 * recommendations keeps only its newest entry (the newest one outlives the others in every
 * window, so min and max over a window are unchanged).
 */
public record ScalingHistory(List<Entry> entries, Instant lastBusyAt, Ceiling ceiling, Instant lastJobWorkAt) {

    public record Entry(Instant at, int replicas) {}

    /** The running ceiling the replicas last showed (a KV cache at least half full), and when. */
    public record Ceiling(int sequences, Instant at) {}

    public static ScalingHistory empty() {
        return new ScalingHistory(List.of(), null, null, null);
    }

    public ScalingHistory(List<Entry> entries, Instant lastBusyAt) {
        this(entries, lastBusyAt, null, null);
    }

    public ScalingHistory(List<Entry> entries, Instant lastBusyAt, Ceiling ceiling) {
        this(entries, lastBusyAt, ceiling, null);
    }

    public ScalingHistory {
        entries = List.copyOf(entries);
    }

    ScalingHistory withCeiling(Ceiling observed) {
        return new ScalingHistory(entries, lastBusyAt, observed, lastJobWorkAt);
    }

    ScalingHistory record(Instant now, int replicas, Duration keep) {
        List<Entry> next = new ArrayList<>(entries.size() + 1);
        Instant oldest = now.minus(keep);
        for (Entry e : entries) {
            if (e.at().isAfter(oldest)) {
                next.add(e);
            }
        }
        if (!next.isEmpty() && next.get(next.size() - 1).replicas() == replicas) {
            next.remove(next.size() - 1);
        }
        next.add(new Entry(now, replicas));
        return new ScalingHistory(next, lastBusyAt, ceiling, lastJobWorkAt);
    }

    ScalingHistory withLastBusyAt(Instant at) {
        return new ScalingHistory(entries, at, ceiling, lastJobWorkAt);
    }

    ScalingHistory withLastJobWorkAt(Instant at) {
        return new ScalingHistory(entries, lastBusyAt, ceiling, at);
    }

    ScalingHistory reset(Instant now, int replicas) {
        return new ScalingHistory(List.of(new Entry(now, replicas)), lastBusyAt, ceiling, lastJobWorkAt);
    }

    /** Lowest recommendation in (now - window, now]; the HPA's rule for scaling up. */
    int lowestWithin(Instant now, Duration window, int fallback) {
        return entries.stream()
                .filter(e -> e.at().isAfter(now.minus(window)))
                .mapToInt(Entry::replicas)
                .min()
                .orElse(fallback);
    }

    /** Highest recommendation in (now - window, now]; the HPA's rule for scaling down. */
    int highestWithin(Instant now, Duration window, int fallback) {
        return entries.stream()
                .filter(e -> e.at().isAfter(now.minus(window)))
                .mapToInt(Entry::replicas)
                .max()
                .orElse(fallback);
    }
}
