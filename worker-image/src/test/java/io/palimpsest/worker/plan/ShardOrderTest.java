package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
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
        return shards.stream()
                .map(Shard::bytes)
                .sorted(Comparator.reverseOrder())
                .toList();
    }

    /** Each file's items covered once, in ranges that neither overlap nor leave a gap; indexes 0..n-1. */
    private static void assertEveryItemOnce(List<Shard> before, List<Shard> after, JobPlanner.ItemCounter counter)
            throws IOException {
        for (int i = 0; i < after.size(); i++) {
            assertEquals(i, after.get(i).index());
        }
        Map<String, TreeMap<Long, Long>> ranges = new HashMap<>();
        for (Shard shard : after) {
            for (ShardFile f : shard.files()) {
                long count = f.maxItems() != null ? f.maxItems() : counter.count(f.key(), Long.MAX_VALUE);
                Long clash =
                        ranges.computeIfAbsent(f.key(), k -> new TreeMap<>()).put(f.skippedItems(), count);
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
                assertEquals(
                        f.skippedItems()
                                + (f.maxItems() != null ? f.maxItems() : counter.count(f.key(), Long.MAX_VALUE)),
                        expected,
                        f.key() + ": every item");
            }
        }
    }

    @Test
    void shardsOfManySizesAreReorderedSoTheFirstWaveRunsFromTheLargestDownToNothing() throws IOException {
        long[] bytes = new long[40];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = 1_000 - 20L * i; // 1,000 down to 220
        }
        List<Shard> plan = wholeFiles(bytes);
        List<Shard> staggered = ShardOrder.staggered(plan, 10, tenBytesAnItem(sizes(plan)), 1);
        // places of 1,000, 900, ... 100 bytes: no shard of 200 or less, so 220 is cut into 200 and 20
        List<Long> first = staggered.subList(0, 10).stream().map(Shard::bytes).toList();
        assertEquals(List.of(1_000L, 900L, 800L, 700L, 600L, 500L, 400L, 300L, 200L, 20L), first);
        assertEquals(41, staggered.size());
        // the other 31, largest first, in blocks of 10, each block shuffled but the last
        assertEquals(
                List.of(980L, 960L, 940L, 920L, 880L, 860L, 840L, 820L, 780L, 760L),
                sortedDown(staggered.subList(10, 20)));
        assertEquals(
                List.of(740L, 720L, 680L, 660L, 640L, 620L, 580L, 560L, 540L, 520L),
                sortedDown(staggered.subList(20, 30)));
        assertTrue(
                !staggered.subList(10, 20).stream()
                        .map(Shard::bytes)
                        .toList()
                        .equals(sortedDown(staggered.subList(10, 20))),
                "a block is not taken largest first: the workers ending first would take its largest shards");
        assertEquals(
                List.of(480L, 460L, 440L, 420L, 380L, 360L, 340L, 320L, 280L, 260L),
                sortedDown(staggered.subList(30, 40)));
        assertEquals(
                List.of(240L),
                staggered.subList(40, 41).stream().map(Shard::bytes).toList(),
                "the last block");
        assertEquals(
                staggered,
                ShardOrder.staggered(plan, 10, tenBytesAnItem(sizes(plan)), 1),
                "the same input, the same plan");
        assertEveryItemOnce(plan, staggered, tenBytesAnItem(sizes(plan)));
    }

    @Test
    void filesOfOneSizeAreCutSoTheFirstWaveIsGraded() throws IOException {
        long[] bytes = new long[30];
        Arrays.fill(bytes, 2_000); // 200 items each
        List<Shard> plan = wholeFiles(bytes);
        JobPlanner.ItemCounter counter = tenBytesAnItem(sizes(plan));
        List<Shard> staggered = ShardOrder.staggered(plan, 8, counter, 1);
        // places of 2,000, 1,750, ... 250: heads cut from whole files, then the rests they left fill the places below
        List<Long> first = staggered.subList(0, 8).stream().map(Shard::bytes).toList();
        assertEquals(List.of(2_000L, 1_750L, 1_500L, 1_250L, 750L, 500L, 250L, 250L), first);
        assertEquals(34, staggered.size(), "four files cut in two");
        assertEquals(
                List.of(2_000L, 1_750L),
                staggered.subList(32, 34).stream().map(Shard::bytes).toList(),
                "the last block: 25 whole files and a rest of 1,750 after 3 blocks of 8");
        assertEveryItemOnce(plan, staggered, counter);
        ShardFile head = staggered.get(1).files().get(0);
        ShardFile rest = staggered.stream()
                .filter(s -> s.files().get(0).key().equals(head.key()) && s != staggered.get(1))
                .findFirst()
                .orElseThrow()
                .files()
                .get(0);
        assertEquals(0L, head.skippedItems());
        assertEquals(175L, head.maxItems());
        assertEquals(175L, rest.firstItem());
        assertEquals(25L, rest.maxItems());
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
        assertEquals(14, staggered.size(), "heads of 350, 300, 250 and 50 items cut from ranges of 400");
        assertEveryItemOnce(List.of(new Shard(0, List.of(new ShardFile("big.jsonl", 40_000)))), staggered, counter);
        assertTrue(staggered.subList(0, 8).stream().allMatch(s -> s.files().size() == 1));

        // 40 items a shard: no head of 37 leaves a rest of 32; the places take shards whole
        List<Shard> small = wholeFiles(400, 400, 400, 400, 400);
        List<Shard> kept = ShardOrder.staggered(small, 4, tenBytesAnItem(sizes(small)), 32);
        assertEquals(
                small.stream().map(Shard::files).toList(),
                kept.stream().map(Shard::files).toList());
    }

    @Test
    void aPlanThatFitsTheFleetIsLeftAsItIs() throws IOException {
        List<Shard> plan = wholeFiles(500, 400, 300);
        assertSame(plan, ShardOrder.staggered(plan, 3, tenBytesAnItem(sizes(plan)), 1));
        assertSame(plan, ShardOrder.staggered(plan, 1, tenBytesAnItem(sizes(plan)), 1));
    }
}
