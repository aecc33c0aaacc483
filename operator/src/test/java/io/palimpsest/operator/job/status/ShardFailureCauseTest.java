package io.palimpsest.operator.job.status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.v1alpha1.RewriteJobStatus.ShardFailure;
import io.palimpsest.api.v1alpha1.ShardFailureReason;
import io.palimpsest.operator.job.ranges.RangeSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardFailureCauseTest {

    private static final ShardFailure DOWN = new ShardFailure(
            1,
            4,
            "ModelUnreachable",
            "model endpoint http://m-vllm:8000 unavailable for more than 600 s (last: HTTP 503)",
            "2026-12-07T04:00:00Z");
    private static final ShardFailure CLOSED = new ShardFailure(
            0,
            6,
            "AttemptsExhausted",
            "shard 0 has used its attempts as the operator counts them",
            "2026-12-07T04:01:00Z");

    @Test
    void everyShardFailedSaysNoneCommittedAndWhy() {
        assertEquals(
                "every shard failed for good (2 of 2), none committed: a job with nothing committed does not succeed,"
                        + " whatever retry.maxFailedShards allows; the latest failure: shard 1, attempt 4,"
                        + " ModelUnreachable: model endpoint http://m-vllm:8000 unavailable for more than 600 s (last:"
                        + " HTTP 503)",
                ShardFailureCause.tooManyFailed(2L, RangeSet.parse("0-1"), List.of(DOWN, CLOSED)));
    }

    @Test
    void overTheLimitSaysHowManyAndTheLatestCause() {
        assertEquals(
                "more shards failed than retry.maxFailedShards allows (3 of 10 failed); the latest failure: shard 0,"
                        + " attempt 6, AttemptsExhausted: shard 0 has used its attempts as the operator counts them",
                ShardFailureCause.tooManyFailed(10L, RangeSet.parse("0-2"), List.of(CLOSED)));
        assertEquals(
                "more shards failed than retry.maxFailedShards allows",
                ShardFailureCause.tooManyFailed(null, RangeSet.parse(""), List.of()));
    }

    @Test
    void anOutageAfterSomeShardsCommittedSaysWhatCommittedAndHowToResume() {
        assertEquals(
                "the model could not be reached past every attempt of 2 shards (3 of 10 failed for good, 7 of 10"
                        + " committed): an outage is the same for every document, not bad data, so"
                        + " retry.maxFailedShards does not tolerate it; the latest: shard 1, attempt 4: model endpoint"
                        + " http://m-vllm:8000 unavailable for more than 600 s (last: HTTP 503). Once the model"
                        + " answers, delete this RewriteJob and apply it again: the 7 committed shards are kept and"
                        + " skipped, the others resume after their checkpoint parts",
                ShardFailureCause.outage(
                        "the model",
                        ShardFailureReason.ModelUnreachable,
                        10L,
                        RangeSet.parse("3-9"),
                        RangeSet.parse("0-2"),
                        2,
                        List.of(DOWN, CLOSED)));
    }

    @Test
    void aStoreOutageSaysTheObjectStoreAndTheSameWayToResume() {
        ShardFailure storeDown = new ShardFailure(
                2,
                3,
                "StoreUnreachable",
                "object store unavailable for more than 600 s (last: HTTP 503 SlowDown)",
                "2026-12-07T04:02:00Z");
        assertEquals(
                "the object store could not be reached past every attempt of 1 shard (1 of 4 failed for good, 1 of 4"
                        + " committed): an outage is the same for every document, not bad data, so"
                        + " retry.maxFailedShards does not tolerate it; the latest: shard 2, attempt 3: object store"
                        + " unavailable for more than 600 s (last: HTTP 503 SlowDown). Once the object store answers,"
                        + " delete this RewriteJob and apply it again: the 1 committed shard is kept and skipped, the"
                        + " others resume after their checkpoint parts",
                ShardFailureCause.outage(
                        "the object store",
                        ShardFailureReason.StoreUnreachable,
                        4L,
                        RangeSet.parse("0"),
                        RangeSet.parse("2"),
                        1,
                        List.of(DOWN, storeDown, CLOSED)));
    }
}
