package io.palimpsest.worker.preview;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class SampleAllocationTest {

    @Test
    void quotasFollowBytesAndEveryShardGivesOne() {
        assertArrayEquals(new int[] {1, 1, 1}, SampleAllocation.quotas(new long[] {10, 10, 10}, 3, 1));
        assertArrayEquals(new int[] {8, 1, 1}, SampleAllocation.quotas(new long[] {800, 100, 100}, 10, 1));
        assertArrayEquals(new int[] {8, 1, 1}, SampleAllocation.quotas(new long[] {980, 10, 10}, 10, 1), "every shard gives one");
        assertArrayEquals(new int[] {4, 3, 3}, SampleAllocation.quotas(new long[] {10, 10, 10}, 10, 1), "ties go to the first shard");
        assertArrayEquals(new int[] {0, 0}, SampleAllocation.quotas(new long[] {10, 10}, 0, 1));
        assertArrayEquals(new int[] {3, 3}, SampleAllocation.quotas(new long[] {0, 0}, 6, 1), "empty shards: equal weight");
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
}
