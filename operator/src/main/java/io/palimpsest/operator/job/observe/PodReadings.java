package io.palimpsest.operator.job.observe;

import io.fabric8.kubernetes.api.model.Pod;
import io.palimpsest.operator.job.ranges.RangeSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers what a terminated pod said, by uid and resourceVersion: a terminated pod does not
 * change, and an informer holds thousands of them, so each termination message is parsed once
 * per operator instead of once per reconcile. Bounded (least recently used out); losing it (a
 * restart) costs only time.
 */
public final class PodReadings {
    private final Map<String, Optional<FinishedPod>> readings;

    public PodReadings(int capacity) {
        this.readings = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Optional<FinishedPod>> eldest) {
                return size() > capacity;
            }
        };
    }

    /** As {@link ClusterReadings#finishedPod(Pod, RangeSet)}, parsing each pod version once. */
    public Optional<FinishedPod> finishedPod(Pod pod, RangeSet alreadyCounted) {
        String uid = pod.getMetadata().getUid();
        String version = pod.getMetadata().getResourceVersion();
        if (uid == null || version == null || !ClusterReadings.podTerminated(pod)) {
            return ClusterReadings.finishedPod(pod, alreadyCounted);
        }
        String key = uid + "/" + version;
        Optional<FinishedPod> known;
        synchronized (readings) {
            known = readings.get(key);
        }
        if (known == null) {
            known = ClusterReadings.finishedPod(pod, RangeSet.empty());
            synchronized (readings) {
                readings.put(key, known);
            }
        }
        return known.filter(p -> !(p.succeeded() && alreadyCounted.contains(p.shard())));
    }
}
