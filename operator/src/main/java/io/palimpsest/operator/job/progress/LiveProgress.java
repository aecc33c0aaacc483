package io.palimpsest.operator.job.progress;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.palimpsest.operator.PalimpsestConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The only memory of the live-progress channel: per RewriteJob, the last reading of each running
 * shard (one small record per running pod, so at most the cluster's running worker pods in all).
 * Written by {@link WorkerProgressScraper} after each round, read by the reconciler; a round
 * replaces a job's readings whole: a running pod that did not answer keeps its last reading, a
 * shard whose pod is gone (or no longer running) drops out. Nothing here is ever a committed total.
 *
 * <p>Until the scraper has completed a round since it started (this operator started, or took
 * over as leader), the readings are not known: {@link #current()} is false, and the status keeps
 * its recorded in-progress part rather than reading "nothing in progress" (see
 * {@code JobStatusFolder}).
 */
@ApplicationScoped
public class LiveProgress {
    private final Map<ResourceID, Map<Integer, ShardProgress>> byJob = new ConcurrentHashMap<>();
    private volatile boolean current;

    /** Readings known from the start: for tests and tools that fill them directly. */
    public LiveProgress() {
        this(true);
    }

    /** In the operator: with live progress on, nothing is known before the first round. */
    @Inject
    public LiveProgress(PalimpsestConfig config) {
        this(!config.progress().enabled());
    }

    LiveProgress(boolean current) {
        this.current = current;
    }

    /** The running shards' readings of a job, by shard; empty when none is known. */
    public Map<Integer, ShardProgress> of(ResourceID job) {
        return byJob.getOrDefault(job, Map.of());
    }

    /**
     * Whether the readings reflect a round of this operator: false from a {@link #reset} (a start,
     * a new leadership) until the next completed round.
     */
    public boolean current() {
        return current;
    }

    /** @return whether anything changed */
    public boolean replace(ResourceID job, Map<Integer, ShardProgress> readings) {
        Map<Integer, ShardProgress> copy = Map.copyOf(readings);
        Map<Integer, ShardProgress> before = copy.isEmpty() ? byJob.remove(job) : byJob.put(job, copy);
        return !copy.equals(before == null ? Map.of() : before);
    }

    /** A round has completed: the readings are this operator's. */
    public void roundCompleted() {
        current = true;
    }

    /**
     * Forgets every reading (they may be another leadership's, stale); until {@link #roundCompleted}
     * the readings are not known, unless {@code awaitRound} is false (live progress is off).
     */
    public void reset(boolean awaitRound) {
        current = !awaitRound;
        byJob.clear();
    }

    public void forget(ResourceID job) {
        byJob.remove(job);
    }

    public Set<ResourceID> jobs() {
        return Set.copyOf(byJob.keySet());
    }
}
