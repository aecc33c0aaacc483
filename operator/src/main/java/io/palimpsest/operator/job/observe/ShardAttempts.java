package io.palimpsest.operator.job.observe;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Numbers a shard's attempts from the worker pods themselves rather than from the Job
 * controller's per-index count alone. That count ({@code job-index-failure-count}) lives on the
 * pod that holds the tracking finalizer, and a suspend or a scale-in deletes that pod after
 * stripping its finalizer: the index starts again from 0 and the annotation of every later pod
 * says so. The failed pods stay in the API (only their finalizer is gone), so counting the
 * shard's earlier charged failures among them keeps the number going up across a suspend; the
 * annotation still wins when it is higher (pods garbage-collected meanwhile).
 */
public final class ShardAttempts {
    private ShardAttempts() {}

    /** The pods with {@code attempt} = failures charged to the shard before each one (0 for the first attempt). */
    public static List<FinishedPod> number(List<FinishedPod> pods) {
        Map<Integer, List<FinishedPod>> byShard = new HashMap<>();
        for (FinishedPod p : pods) {
            byShard.computeIfAbsent(p.shard(), k -> new ArrayList<>()).add(p);
        }
        Map<FinishedPod, Integer> numbers = new HashMap<>();
        for (List<FinishedPod> shard : byShard.values()) {
            shard.sort(Comparator.comparing((FinishedPod p) -> p.finishedAt() == null ? Instant.MAX : p.finishedAt()));
            int charged = 0;
            for (FinishedPod p : shard) {
                numbers.put(p, charged);
                if (charged(p)) {
                    charged++;
                }
            }
        }
        List<FinishedPod> out = new ArrayList<>(pods.size());
        for (FinishedPod p : pods) {
            int counted = numbers.get(p);
            out.add(
                    counted <= p.attempt()
                            ? p
                            : new FinishedPod(
                                    p.shard(),
                                    counted,
                                    p.succeeded(),
                                    p.disrupted(),
                                    p.summary(),
                                    p.exitCode(),
                                    p.reason(),
                                    p.message(),
                                    p.finishedAt()));
        }
        return out;
    }

    /**
     * An attempt the shard pays for: failed, not preempted, not stopped by SIGTERM, and not a
     * refusal to start past the cap (exit 43: no attempt ran).
     */
    public static boolean charged(FinishedPod p) {
        return p.isShardFailure() && !AttemptCharges.refused(p);
    }
}
