package io.palimpsest.operator.job.progress;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The only memory of the live-progress channel: per RewriteJob, the last reading of each running
 * shard (one small record per running pod, so at most the cluster's running worker pods in all).
 * Written by {@link WorkerProgressScraper} after each round, read by the reconciler; a round
 * replaces a job's readings whole, so a shard that ended (or whose pod is gone) drops out.
 * Nothing here is ever a committed total.
 */
@ApplicationScoped
public class LiveProgress {
    private final Map<ResourceID, Map<Integer, ShardProgress>> byJob = new ConcurrentHashMap<>();

    /** The running shards' readings of a job, by shard; empty when none is known. */
    public Map<Integer, ShardProgress> of(ResourceID job) {
        return byJob.getOrDefault(job, Map.of());
    }

    /** @return whether anything changed */
    public boolean replace(ResourceID job, Map<Integer, ShardProgress> readings) {
        Map<Integer, ShardProgress> copy = Map.copyOf(readings);
        Map<Integer, ShardProgress> before = copy.isEmpty() ? byJob.remove(job) : byJob.put(job, copy);
        return !copy.equals(before == null ? Map.of() : before);
    }

    public void forget(ResourceID job) {
        byJob.remove(job);
    }

    public Set<ResourceID> jobs() {
        return Set.copyOf(byJob.keySet());
    }
}
