package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ShardOrderTest {

    /** Files of 10 bytes per item. */
    private static JobPlanner.ItemCounter tenBytesAnItem(Map<String, Long> bytes) {
        return (key, atMost) -> Math.min(atMost, bytes.get(key) / 10);
    }

    private static List<Shard> wholeFiles(long... bytes) {
        List<Shard> shards = new ArrayList<>();
        for (long b : bytes) {
            shards.add(new Shard(shards.size(), List.of(new ShardFile("f" + shards.size() + ".jsonl", b))));
        }
        return ShardPlanner.largestFirst(shards);
    }

    private static Map<String, Long> sizes(List<Shard> shards) {
        Map<String, Long> sizes = new HashMap<>();
        shards.forEach(s -> s.files().forEach(f -> sizes.put(f.key(), f.bytes())));
        return sizes;
    }

    private static List<Long> sortedDown(List<Shard> shards) {
        return shards.stream().map(Shard::bytes).sorted(java.util.Comparator.reverseOrder()).toList();
    }

    /** Each file's items covered once, in ranges that neither overlap nor leave a gap; indexes 0..n-1. */
    private static void assertEveryItemOnce(List<Shard> before, List<Shard> after, JobPlanner.ItemCounter counter) throws IOException {
        for (int i = 0; i < after.size(); i++) {
            assertEquals(i, after.get(i).index());
        }
        Map<String, TreeMap<Long, Long>> ranges = new HashMap<>();
        for (Shard shard : after) {
            for (ShardFile f : shard.files()) {
                long count = f.maxItems() != null ? f.maxItems() : counter.count(f.key(), Long.MAX_VALUE);
                Long clash = ranges.computeIfAbsent(f.key(), k -> new TreeMap<>()).put(f.skippedItems(), count);
                assertEquals(null, clash, f.key() + " starts twice at " + f.skippedItems());
            }
        }
        for (Shard shard : before) {
            for (ShardFile f : shard.files()) {
                long expected = f.skippedItems();
                for (Map.Entry<Long, Long> r : ranges.get(f.key()).entrySet()) {
                    assertEquals(expected, r.getKey(), f.key() + ": a gap or an overlap");
                    expected += r.getValue();
                }
                assertEquals(f.skippedItems() + (f.maxItems() != null ? f.maxItems() : counter.count(f.key(), Long.MAX_VALUE)), expected,
                        f.key() + ": every item");
            }
        }
    }

    @Test
    void shardsOfManySizesAreReorderedSoTheFirstWaveRunsFromTheLargestToHalfOfIt() throws IOException {
        long[] bytes = new long[40];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = 1_000 - 20L * i; // 1,000 down to 220
        }
        List<Shard> plan = wholeFiles(bytes);
        List<Shard> staggered = ShardOrder.staggered(plan, 10, tenBytesAnItem(sizes(plan)), 1);
        assertEquals(40, staggered.size(), "no cut: every place found a shard within a step");
        List<Long> first = staggered.subList(0, 10).stream().map(Shard::bytes).toList();
        assertEquals(List.of(1_000L, 940L, 900L, 840L, 800L, 740L, 700L, 640L, 600L, 540L), first);
        // the other 30, largest first, in blocks of 10, each block shuffled
        assertEquals(List.of(980L, 960L, 920L, 880L, 860L, 820L, 780L, 760L, 720L, 680L), sortedDown(staggered.subList(10, 20)));
        assertEquals(List.of(660L, 620L, 580L, 560L, 520L, 500L, 480L, 460L, 440L, 420L), sortedDown(staggered.subList(20, 30)));
        assertEquals(List.of(400L, 380L, 360L, 340L, 320L, 300L, 280L, 260L, 240L, 220L),
                staggered.subList(30, 40).stream().map(Shard::bytes).toList(), "the last block largest first, so its ends gather");
        assertTrue(!staggered.subList(10, 20).stream().map(Shard::bytes).toList().equals(sortedDown(staggered.subList(10, 20))),
                "a block is not taken largest first: the workers ending first would take its largest shards");
        assertEquals(staggered, ShardOrder.staggered(plan, 10, tenBytesAnItem(sizes(plan)), 1), "the same input, the same plan");
        assertEveryItemOnce(plan, staggered, tenBytesAnItem(sizes(plan)));
    }

    @Test
    void filesOfOneSizeAreCutSoTheFirstWaveIsGradedAndTheirRestsEndTheCampaign() throws IOException {
        long[] bytes = new long[30];
        java.util.Arrays.fill(bytes, 2_000); // 200 items each
        List<Shard> plan = wholeFiles(bytes);
        JobPlanner.ItemCounter counter = tenBytesAnItem(sizes(plan));
        List<Shard> staggered = ShardOrder.staggered(plan, 8, counter, 1);
        List<Long> first = staggered.subList(0, 8).stream().map(Shard::bytes).toList();
        assertEquals(List.of(2_000L, 1_880L, 1_750L, 1_630L, 1_500L, 1_380L, 1_250L, 1_130L), first,
                "200 items, then heads of 188, 175, ... 113 items");
        assertEquals(37, staggered.size(), "seven files cut in two");
        // the other 29 in blocks of 8, the rests last: 22 whole files, then 870 .. 120
        assertEquals(List.of(2_000L, 2_000L, 2_000L, 2_000L, 2_000L, 2_000L, 870L, 750L), sortedDown(staggered.subList(24, 32)));
        assertEquals(List.of(620L, 500L, 370L, 250L, 120L), staggered.subList(32, 37).stream().map(Shard::bytes).toList(),
                "the smallest rests end the campaign, largest first");
        assertEveryItemOnce(plan, staggered, counter);
        ShardFile head = staggered.get(1).files().get(0);
        ShardFile rest = staggered.stream().filter(s -> s.files().get(0).key().equals(head.key()) && s != staggered.get(1))
                .findFirst().orElseThrow().files().get(0);
        assertEquals(0L, head.skippedItems());
        assertEquals(188L, head.maxItems());
        assertEquals(188L, rest.firstItem());
        assertEquals(12L, rest.maxItems());
    }

    @Test
    void rangesAreCutWithinTheirRangeAndTooFewItemsKeepAShardWhole() throws IOException {
        // ranges of one 4,000-item file, as ShardSplitter leaves them; 8 workers
        List<Shard> plan = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            plan.add(new Shard(i, List.of(new ShardFile("big.jsonl", 4_000, 400L, 400L * i))));
        }
        JobPlanner.ItemCounter counter = (key, atMost) -> Math.min(atMost, 4_000);
        List<Shard> staggered = ShardOrder.staggered(plan, 8, counter, 32);
        assertEquals(16, staggered.size(), "heads of 350 .. 225 items; 375 would leave a range of 25");
        assertEveryItemOnce(List.of(new Shard(0, List.of(new ShardFile("big.jsonl", 40_000)))), staggered, counter);
        assertTrue(staggered.subList(0, 8).stream().allMatch(s -> s.files().size() == 1));

        // 40 items a shard: no head of 37 leaves a rest of 32; the places take shards whole
        List<Shard> small = wholeFiles(400, 400, 400, 400, 400);
        List<Shard> kept = ShardOrder.staggered(small, 4, tenBytesAnItem(sizes(small)), 32);
        assertEquals(small.stream().map(Shard::files).toList(), kept.stream().map(Shard::files).toList());
    }

    @Test
    void aPlanThatFitsTheFleetIsLeftAsItIs() throws IOException {
        List<Shard> plan = wholeFiles(500, 400, 300);
        assertSame(plan, ShardOrder.staggered(plan, 3, tenBytesAnItem(sizes(plan)), 1));
        assertSame(plan, ShardOrder.staggered(plan, 1, tenBytesAnItem(sizes(plan)), 1));
    }
}
