package io.palimpsest.operator.job.status;

import io.palimpsest.api.v1alpha1.RewriteJobStatus.ShardFailure;
import io.palimpsest.api.v1alpha1.ShardFailureReason;
import io.palimpsest.operator.job.ranges.RangeSet;
import java.util.List;

/**
 * The message of a job that failed for its shards ({@code TooManyFailedShards}): how many failed and
 * why, in the words of the latest failure that says why. Without the cause, the condition and its
 * Event would send the user to the pods' logs for what the workers already told (a model down past
 * every attempt, input no worker can read).
 */
public final class ShardFailureCause {
    private ShardFailureCause() {}

    /**
     * @param shards the planned shard count, or null
     * @param failed the worker Job's failed indexes
     * @param recent the job's recent failures, oldest first
     */
    public static String tooManyFailed(Long shards, RangeSet failed, List<ShardFailure> recent) {
        long count = failed.cardinality();
        String head = shards != null && shards > 0 && count >= shards
                ? "every shard failed for good (" + count + " of " + shards + "), none committed: a job with nothing"
                        + " committed does not succeed, whatever retry.maxFailedShards allows"
                : "more shards failed than retry.maxFailedShards allows"
                        + (count > 0 ? " (" + count + (shards == null ? "" : " of " + shards) + " failed)" : "");
        ShardFailure cause = latestCause(recent);
        return cause == null
                ? head
                : head + "; the latest failure: shard " + cause.getShard() + ", attempt " + cause.getAttempt()
                        + (cause.getReason() == null ? "" : ", " + cause.getReason())
                        + (cause.getMessage() == null || cause.getMessage().isEmpty() ? "" : ": " + cause.getMessage());
    }

    /**
     * The message of a job failed for an outage ({@code ModelUnreachable}, {@code StoreUnreachable}):
     * some shards committed, the others failed for good because something every document needs could
     * not be reached, which no {@code retry.maxFailedShards} tolerates; what was committed, the
     * outage's words, and how to resume.
     *
     * @param what      what could not be reached: "the model", "the object store"
     * @param reason    the shard failure reason of that outage
     * @param shards    the planned shard count, or null
     * @param committed the worker Job's completed indexes
     * @param failed    the worker Job's failed indexes
     * @param outage    how many of those the outage failed
     * @param recent    the job's recent failures, oldest first
     */
    public static String outage(
            String what,
            ShardFailureReason reason,
            Long shards,
            RangeSet committed,
            RangeSet failed,
            int outage,
            List<ShardFailure> recent) {
        long done = committed.cardinality();
        String of = shards == null ? "" : " of " + shards;
        StringBuilder m = new StringBuilder(what)
                .append(" could not be reached past every attempt of ")
                .append(outage)
                .append(outage == 1 ? " shard" : " shards")
                .append(" (")
                .append(failed.cardinality())
                .append(of)
                .append(" failed for good, ")
                .append(done)
                .append(of)
                .append(" committed): an outage is the same for every document, not bad data, so"
                        + " retry.maxFailedShards does not tolerate it");
        ShardFailure cause = latest(reason, recent);
        if (cause != null) {
            m.append("; the latest: shard ")
                    .append(cause.getShard())
                    .append(", attempt ")
                    .append(cause.getAttempt())
                    .append(
                            cause.getMessage() == null || cause.getMessage().isEmpty()
                                    ? ""
                                    : ": " + cause.getMessage());
        }
        return m.append(". Once ")
                .append(what)
                .append(" answers, delete this RewriteJob and apply it again: the ")
                .append(done)
                .append(
                        done == 1
                                ? " committed shard is kept and skipped, the others resume after their checkpoint parts"
                                : " committed shards are kept and skipped, the others resume after their checkpoint"
                                        + " parts")
                .toString();
    }

    /** The newest failure of the given reason, or null. */
    private static ShardFailure latest(ShardFailureReason reason, List<ShardFailure> recent) {
        if (recent != null) {
            for (int i = recent.size() - 1; i >= 0; i--) {
                if (reason.name().equals(recent.get(i).getReason())) {
                    return recent.get(i);
                }
            }
        }
        return null;
    }

    /** The newest failure that says why it failed, else the newest; null without any. */
    static ShardFailure latestCause(List<ShardFailure> recent) {
        if (recent == null || recent.isEmpty()) {
            return null;
        }
        for (int i = recent.size() - 1; i >= 0; i--) {
            // a shard the operator's ledger closed says only that its attempts are spent, not why they failed
            if (!ShardFailureReason.AttemptsExhausted.name()
                    .equals(recent.get(i).getReason())) {
                return recent.get(i);
            }
        }
        return recent.get(recent.size() - 1);
    }
}
