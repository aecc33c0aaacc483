package io.palimpsest.worker.preview;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SampleAllocationTest {

    @Test
    void quotasFollowBytesAndEveryShardGivesOne() {
        assertArrayEquals(new int[] {1, 1, 1}, SampleAllocation.quotas(new long[] {10, 10, 10}, 3, 1));
        assertArrayEquals(new int[] {8, 1, 1}, SampleAllocation.quotas(new long[] {800, 100, 100}, 10, 1));
        assertArrayEquals(
                new int[] {8, 1, 1}, SampleAllocation.quotas(new long[] {980, 10, 10}, 10, 1), "every shard gives one");
        assertArrayEquals(
                new int[] {4, 3, 3},
                SampleAllocation.quotas(new long[] {10, 10, 10}, 10, 1),
                "ties go to the first shard");
        assertArrayEquals(new int[] {0, 0}, SampleAllocation.quotas(new long[] {10, 10}, 0, 1));
        assertArrayEquals(
                new int[] {3, 3}, SampleAllocation.quotas(new long[] {0, 0}, 6, 1), "empty shards: equal weight");
    }

    @Test
    void fewerDocumentsThanShardsDrawsDistinctShardsTheSameWayForTheSameSeed() {
        long[] bytes = new long[100];
        Arrays.fill(bytes, 1000);
        int[] a = SampleAllocation.quotas(bytes, 10, 42);
        assertEquals(10, Arrays.stream(a).sum());
        assertEquals(10, Arrays.stream(a).filter(q -> q == 1).count());
        assertArrayEquals(a, SampleAllocation.quotas(bytes, 10, 42));
        assertNotEquals(Arrays.toString(a), Arrays.toString(SampleAllocation.quotas(bytes, 10, 43)));
    }

    @Test
    void aLargerShardIsDrawnMoreOften() {
        long[] bytes = {1, 1, 1, 1, 1000};
        int large = 0;
        for (long seed = 0; seed < 200; seed++) {
            large += SampleAllocation.quotas(bytes, 1, seed)[4];
        }
        assertEquals(200, large, 200 * 0.02, "the 1000-byte shard holds 99.6% of the bytes");
    }

    @Test
    void eachShardsQuotaIsSplitByItsStrataAndEveryStratumWithDocumentsGetsOne() {
        // one shard, 31 documents: 25 of route a, 6 of route b, 8 to draw: 6.45 / 1.55 -> 6 / 2 (largest remainder)
        assertEquals(
                List.of(Map.of("a", 6, "b", 2)),
                SampleAllocation.byStratum(List.of(Map.of("a", 25L, "b", 6L)), new int[] {8}));
        // a rare stratum (1 of 100) still gets one, from the largest allocation of its shard
        assertEquals(
                List.of(Map.of("a", 9, "rare", 1)),
                SampleAllocation.byStratum(List.of(Map.of("a", 99L, "rare", 1L)), new int[] {10}));
        // never more than a stratum holds: a quota above the shard's items takes them all
        assertEquals(
                List.of(Map.of("a", 2, "b", 3)),
                SampleAllocation.byStratum(List.of(Map.of("a", 2L, "b", 3L)), new int[] {10}));
        // a stratum whose share rounds to none still gets one (2 of 32 for 5 documents: 0.31)
        assertEquals(
                List.of(Map.of("a", 1, "b", 4)),
                SampleAllocation.byStratum(List.of(Map.of("a", 2L, "b", 30L)), new int[] {5}));
        // the rare stratum lives in the second shard, whose single document goes to its larger stratum first:
        // it is moved to the rare one (its shard keeps the quota), and stratum a keeps its other documents
        List<Map<String, Integer>> two =
                SampleAllocation.byStratum(List.of(Map.of("a", 50L), Map.of("a", 50L, "rare", 1L)), new int[] {3, 3});
        assertEquals(List.of(Map.of("a", 3), Map.of("a", 2, "rare", 1)), two);
        // fewer documents than strata: some stay empty (the estimate then says it cannot stratify)
        assertEquals(
                List.of(Map.of("a", 1)), SampleAllocation.byStratum(List.of(Map.of("a", 5L, "b", 1L)), new int[] {1}));
    }
}
