package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The operator's attempt ledger ({@link AttemptLedger}, {@code attempts.json} next to job.yaml)
 * applied to one attempt of one shard. {@code PALIMPSEST_ATTEMPT} is the Job controller's count,
 * which restarts at 0 after a suspend or a scale-in; the ledger's keeps going. So the attempt is
 * numbered from the higher of the two (the last-attempt rule then holds across a restart), and an
 * attempt the ledger marks exhausted does not run: the worker exits 43 and the Job fails the index.
 * No ledger file (outside a pod, or no shard has failed yet) changes nothing.
 */
final class AttemptCap {
    /**
     * @param attempt the attempt number the job gave (the failures it counted before this attempt)
     * @param refusal the summary to report instead of running, or null to run
     */
    record Decision(int attempt, ShardSummary refusal) {}

    private AttemptCap() {}

    /** @param jobFile the resolved job's file; the ledger is its sibling */
    static Decision decide(Path jobFile, int shard, int attempt, ObjectMapper json) throws IOException {
        // Only beside a resolved job file (the pod's ConfigMap), never beside a folder of manifests.
        Path file = jobFile == null
                        || !Files.isRegularFile(jobFile)
                        || jobFile.toAbsolutePath().getParent() == null
                ? null
                : jobFile.toAbsolutePath().resolveSibling(AttemptLedger.CONFIG_KEY);
        if (file == null || !Files.isRegularFile(file)) {
            return new Decision(attempt, null);
        }
        AttemptLedger ledger;
        try {
            ledger = json.readValue(file.toFile(), AttemptLedger.class);
        } catch (IOException e) {
            throw new IOException("cannot read the attempt ledger " + file + ": " + e.getMessage(), e);
        }
        return decide(ledger.of(shard), shard, attempt);
    }

    static Decision decide(AttemptLedger.Shard entry, int shard, int attempt) {
        // In the Job controller's units (every failed pod, outage exits included): the runner takes off
        // the attempts a model outage ended, so a count without them would be taken off twice.
        int numbered = Math.max(attempt, entry.getFailures() + entry.getOutages());
        if (!entry.isExhausted()) {
            return new Decision(numbered, null);
        }
        ShardSummary refusal = new ShardSummary();
        refusal.setShard(shard);
        refusal.setAttempt(numbered);
        refusal.setOutcome(ShardSummary.Outcome.error);
        refusal.setReason(ShardReason.ATTEMPTS_EXHAUSTED.code());
        refusal.setMessage(
                "shard " + shard + " has used its attempts as the operator counts them (" + entry.getFailures()
                        + " failed, " + entry.getOutages()
                        + " ended on an unreachable model); this pod's job-index-failure-count is " + attempt
                        + " because the Job controller's count restarts after a suspend or a scale-in: not run");
        return new Decision(numbered, refusal);
    }
}
