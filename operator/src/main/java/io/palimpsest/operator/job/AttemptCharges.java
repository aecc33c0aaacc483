package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.Pod;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * The attempt ledger the workers read ({@link AttemptLedger}), from the finished worker pods: per
 * shard, the failures charged to it and its outage exits, and whether it may run again. This is
 * what makes {@code attemptsPerShard} a hard cap. The Job controller alone does not cap it: its
 * per-index count restarts at 0 after a suspend or a scale-in, and its {@code backoffLimitPerIndex}
 * is shared with the outage retries (see {@link WorkerJob}), so a crashing shard would otherwise get
 * up to {@code attemptsPerShard + modelUnreachableRetries} attempts.
 */
final class AttemptCharges {
    /**
     * More entries than this would crowd the ConfigMap's 1 MiB: shards beyond it keep the Job
     * controller's count alone.
     */
    static final int MAX_ENTRIES = 20_000;

    private AttemptCharges() {
    }

    /**
     * @param pods           every finished worker pod of the job (failed pods of committed shards included)
     * @param attempts       {@code retry.attemptsPerShard}
     * @param outageRetries  the extra attempts exit 75 may use ({@code palimpsest.jobs.model-unreachable-retries})
     */
    static AttemptLedger ledger(List<FinishedPod> pods, int attempts, int outageRetries) {
        return ledger(pods, shard -> false, attempts, outageRetries);
    }

    /** @param counted shards already counted as committed (their succeeded pods are no longer read) */
    static AttemptLedger ledger(List<FinishedPod> pods, IntPredicate counted, int attempts, int outageRetries) {
        Set<Integer> committed = new HashSet<>();
        for (FinishedPod p : pods) {
            if (p.succeeded() || p.reportsCommit()) {
                committed.add(p.shard());
            }
        }
        TreeMap<Integer, AttemptLedger.Shard> shards = new TreeMap<>();
        for (FinishedPod p : pods) {
            if (committed.contains(p.shard()) || counted.test(p.shard()) || !ShardAttempts.charged(p)) {
                continue;
            }
            AttemptLedger.Shard s = shards.computeIfAbsent(p.shard(), k -> new AttemptLedger.Shard(0, 0, false));
            if (outage(p)) {
                s.setOutages(s.getOutages() + 1);
            } else {
                s.setFailures(s.getFailures() + 1);
            }
        }
        AttemptLedger ledger = new AttemptLedger();
        for (var e : shards.entrySet()) {
            if (ledger.getShards().size() >= MAX_ENTRIES) {
                break;
            }
            AttemptLedger.Shard s = e.getValue();
            s.setExhausted(s.getFailures() >= attempts || s.getFailures() + s.getOutages() >= attempts + outageRetries);
            ledger.getShards().put(e.getKey(), s);
        }
        return ledger;
    }

    /**
     * Running worker pods of shards the ledger has just closed (a pod not yet running reads the
     * ledger when it starts). A pod the Job controller created
     * before the operator wrote the ledger may have read the previous one (the replacement waits
     * only the pod failure backoff, 10 s at first) and run an attempt past the cap; it is deleted:
     * on SIGTERM it commits what was answered and exits 143, which is not charged, and its
     * replacement reads the current ledger and refuses. Pods already terminating are left alone.
     */
    static List<Pod> pastTheCap(List<Pod> pods, AttemptLedger ledger) {
        return pods.stream()
                .filter(p -> RewriteJobNames.ROLE_WORK.equals(p.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL)))
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                .filter(p -> {
                    String index = p.getMetadata().getAnnotations() == null ? null
                            : p.getMetadata().getAnnotations().get(RewriteJobNames.COMPLETION_INDEX);
                    return index != null && ledger.getShards().containsKey(Integer.parseInt(index))
                            && ledger.of(Integer.parseInt(index)).isExhausted();
                })
                .toList();
    }

    /** The worker found the model unreachable (exit 75): the outage budget pays, not the shard's attempts. */
    static boolean outage(FinishedPod p) {
        return (p.exitCode() != null && p.exitCode() == ExitCodes.MODEL_UNREACHABLE)
                || (p.summary() != null && p.summary().getOutcome() == ShardSummary.Outcome.modelUnreachable);
    }

    /** The worker refused to start an attempt past the cap: nothing ran, nothing to charge. */
    static boolean refused(FinishedPod p) {
        return p.exitCode() != null && p.exitCode() == ExitCodes.ATTEMPTS_EXHAUSTED;
    }
}
