package io.palimpsest.operator.job.observe;

import io.fabric8.kubernetes.api.model.Pod;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
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
 * is shared with the outage retries (see {@code WorkerJob}), so a crashing shard would otherwise get
 * up to {@code attemptsPerShard + modelUnreachableRetries} attempts.
 */
public final class AttemptCharges {
    /**
     * More entries than this would crowd the ConfigMap's 1 MiB: shards beyond it keep the Job
     * controller's count alone.
     */
    static final int MAX_ENTRIES = 20_000;

    private AttemptCharges() {}

    /**
     * @param pods           every finished worker pod of the job (failed pods of committed shards included)
     * @param attempts       {@code retry.attemptsPerShard}
     * @param outageRetries  the extra attempts exit 75 may use ({@code palimpsest.jobs.model-unreachable-retries})
     */
    static AttemptLedger ledger(List<FinishedPod> pods, int attempts, int outageRetries) {
        return ledger(pods, shard -> false, attempts, outageRetries, null, null);
    }

    static AttemptLedger ledger(
            List<FinishedPod> pods,
            IntPredicate counted,
            int attempts,
            int outageRetries,
            AttemptLedger previous,
            Instant now) {
        return ledger(pods, counted, attempts, outageRetries, previous, now, null);
    }

    /**
     * Counts never go down: the pods are the only witnesses of a failure, and they go (the cluster's
     * terminated-pod collector, a deletion by hand, the worker Job deleted and its pods with it), so a
     * count read from fewer pods than before keeps the one written before, and a shard closed stays
     * closed (unless the cap in force is raised: a new worker Job made from an edited spec). The pods
     * read are those of one worker Job ({@code workerJob}); when another takes its place, the counts
     * written for the first are carried over and the new one's pods add to them, so a shard that had
     * failed for good does not start again with a fresh set of attempts. A shard committed since has
     * no entry, whatever was counted before.
     *
     * @param counted   shards already counted as committed (their succeeded pods are no longer read)
     * @param previous  the ledger written before, or null
     * @param now       a time after {@code previous} was read: a shard {@code previous} closed without a time is
     *                  stamped with it ({@link #closedAt}; null: no stamp)
     * @param workerJob the uid of the worker Job {@code pods} belong to, or null while there is none (the
     *                  counts written before are kept as they are)
     */
    public static AttemptLedger ledger(
            List<FinishedPod> pods,
            IntPredicate counted,
            int attempts,
            int outageRetries,
            AttemptLedger previous,
            Instant now,
            String workerJob) {
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
        String previousJob = previous == null ? null : previous.getWorkerJob();
        boolean replaced = workerJob != null && previousJob != null && !previousJob.equals(workerJob);
        if (previous != null && previous.getShards() != null) {
            for (var e : previous.getShards().entrySet()) {
                int shard = e.getKey();
                if (committed.contains(shard) || counted.test(shard)) {
                    continue;
                }
                AttemptLedger.Shard before = e.getValue();
                AttemptLedger.Shard s = shards.computeIfAbsent(shard, k -> new AttemptLedger.Shard(0, 0, false));
                // what earlier worker Jobs' pods were charged: all of it when the Job was replaced since
                int carriedFailures = replaced ? before.getFailures() : before.getCarriedFailures();
                int carriedOutages = replaced ? before.getOutages() : before.getCarriedOutages();
                s.setCarriedFailures(carriedFailures);
                s.setCarriedOutages(carriedOutages);
                s.setFailures(Math.max(s.getFailures() + carriedFailures, before.getFailures()));
                s.setOutages(Math.max(s.getOutages() + carriedOutages, before.getOutages()));
            }
        }
        AttemptLedger ledger = new AttemptLedger();
        ledger.setWorkerJob(workerJob != null ? workerJob : previousJob);
        for (var e : shards.entrySet()) {
            if (ledger.getShards().size() >= MAX_ENTRIES) {
                break;
            }
            AttemptLedger.Shard s = e.getValue();
            s.setExhausted(s.getFailures() >= attempts || s.getFailures() + s.getOutages() >= attempts + outageRetries);
            if (s.isExhausted()) {
                s.setClosedAt(closedAt(previous == null ? null : previous.of(e.getKey()), now));
            }
            ledger.getShards().put(e.getKey(), s);
        }
        return ledger;
    }

    /**
     * When a shard that is closed now closed, as the ledger records it: the time the close was first read
     * back from the ConfigMap, not the time it was decided. The write that closes a shard carries no time; the
     * first reconcile that reads that write in {@code previous} (it landed) stamps its own {@code now}, and
     * later ones keep it. A time taken at the decision would be too early whenever the write lands later: the
     * client sends a write answered 500 again after a backoff with the body it built, a write whose answer
     * timed out may have landed, and the framework's retry comes later still. A pod created in between read
     * the ledger still open, yet counted as created after the close ({@link #pastTheCap}), it would run an
     * attempt past the cap. The time read back is no earlier than the landing, under any retry, and an
     * operator restarted in between reads the same ConfigMap. Until it is stamped every pod of the shard is
     * taken as created before the close (no time: {@link #pastTheCap} counts it in).
     *
     * @param before the shard's entry in the ledger as read from the ConfigMap, or null
     * @param now    a time no earlier than the ConfigMap's last change: the API server's time of it (its
     *               {@code managedFields}), on the clock that stamps pods' creation, so the operator's own clock
     *               running behind the server's cannot make the close look earlier than a pod created before it
     *               landed; the operator's time after reading it where the server keeps no managed fields
     */
    static String closedAt(AttemptLedger.Shard before, Instant now) {
        if (before == null || !before.isExhausted()) {
            return null; // closing now: the write that closes it is not known to have landed
        }
        if (before.getClosedAt() != null) {
            return before.getClosedAt();
        }
        // The exact instant, not Rfc3339's whole second: pastTheCap truncates it when it compares.
        return now == null ? null : DateTimeFormatter.ISO_INSTANT.format(now);
    }

    /**
     * Worker pods of closed shards created before the shard closed. The Job controller's
     * replacement after a failure waits only the pod failure backoff (10 s at first), so it may
     * have been created, and have read the ledger, before the operator wrote the failure that
     * closed its shard; it would run an attempt past the cap. The running ones are deleted: on
     * SIGTERM a worker commits what was answered and exits 143, which is not charged, and the
     * replacement reads the current ledger and refuses. Those not running yet are looked at again
     * shortly (a pod turning Running is no event the operator reconciles on). Pods created after
     * the close was stamped ({@link #closedAt}: after the closing write landed) read the closed
     * ledger and refuse by themselves; creation times have whole seconds, so a pod created in the
     * second the shard closed counts as created before. While the close has no time yet, every pod
     * of the shard counts as created before: one that read the closed ledger refuses anyway, and
     * stopped it is not charged.
     */
    public static List<Pod> pastTheCap(List<Pod> pods, AttemptLedger ledger) {
        return pods.stream()
                .filter(p -> RewriteJobNames.ROLE_WORK.equals(
                        p.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL)))
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> !ClusterReadings.podTerminated(p))
                .filter(p -> {
                    String index = p.getMetadata().getAnnotations() == null
                            ? null
                            : p.getMetadata().getAnnotations().get(RewriteJobNames.COMPLETION_INDEX);
                    if (index == null || !ledger.getShards().containsKey(Integer.parseInt(index))) {
                        return false;
                    }
                    AttemptLedger.Shard shard = ledger.of(Integer.parseInt(index));
                    String created = p.getMetadata().getCreationTimestamp();
                    return shard.isExhausted()
                            && (shard.getClosedAt() == null
                                    || created == null
                                    || !Rfc3339.parse(created)
                                            .isAfter(Rfc3339.parse(shard.getClosedAt())
                                                    .truncatedTo(ChronoUnit.SECONDS)));
                })
                .toList();
    }

    public static boolean running(Pod p) {
        return p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
    }

    /**
     * The worker found the model or the object store unreachable (exit 75): the outage budget pays,
     * not the shard's attempts. The exit code alone says so, so a store outage counts as one even
     * when the worker could not write its outage marker to the store that was down.
     */
    static boolean outage(FinishedPod p) {
        return (p.exitCode() != null && p.exitCode() == ExitCodes.MODEL_UNREACHABLE)
                || (p.summary() != null
                        && (p.summary().getOutcome() == ShardSummary.Outcome.modelUnreachable
                                || p.summary().getOutcome() == ShardSummary.Outcome.storeUnreachable));
    }

    /** The worker refused to start an attempt past the cap: nothing ran, nothing to charge. */
    public static boolean refused(FinishedPod p) {
        return p.exitCode() != null && p.exitCode() == ExitCodes.ATTEMPTS_EXHAUSTED;
    }
}
