package io.palimpsest.operator.job.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.palimpsest.operator.job.ranges.RangeSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InProgressTotalsTest {

    static ShardProgress reading(int shard, long docs, long bytesRead) {
        return new ShardProgress(shard, docs, 0, 0, docs * 100, docs * 50, bytesRead, 1000);
    }

    @Test
    void sumsOnlyShardsNotYetCountedCommittedOrFailed() {
        Map<Integer, ShardProgress> live = Map.of(
                1, reading(1, 10, 500), // running
                2, reading(2, 20, 250), // running
                3, reading(3, 99, 1000), // its summary is already in the totals
                4, reading(4, 77, 1000), // committed (the Job says so) but not counted yet
                5, reading(5, 5, 100)); // failed for good
        InProgressTotals t = InProgressTotals.of(live, RangeSet.parse("3"), RangeSet.parse("3-4"), RangeSet.parse("5"));
        assertEquals(new InProgressTotals(30, 3000, 1500, 0.75, 2), t);
    }

    @Test
    void nothingRunningIsNone() {
        assertSame(
                InProgressTotals.NONE,
                InProgressTotals.of(Map.of(), RangeSet.empty(), RangeSet.empty(), RangeSet.empty()));
        assertSame(
                InProgressTotals.NONE,
                InProgressTotals.of(
                        Map.of(1, reading(1, 1, 1)), RangeSet.parse("1"), RangeSet.parse("1"), RangeSet.empty()));
    }
}
