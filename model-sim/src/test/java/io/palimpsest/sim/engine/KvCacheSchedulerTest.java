package io.palimpsest.sim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.metrics.SimMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The scheduler's paged KV cache, one behaviour of vLLM V1's scheduler per test. */
class KvCacheSchedulerTest {
    private final ManualClock clock = new ManualClock();
    private final List<String> events = new ArrayList<>();
    private final StringBuilder streamed = new StringBuilder();

    /** Step = 10 ms + 1 ms per sequence + 0.1 ms per prefill token: timings are easy to read. */
    private static SimConfig.Builder config() {
        return SimConfig.builder()
                .maxNumSeqs(8)
                .decodeStepBaseSeconds(0.010)
                .decodeStepPerSeqSeconds(0.001)
                .prefillSecondsPerToken(0.0001);
    }

    private Sequence seq(int id, int promptTokens, int outputTokens, long[] prefixHashes) {
        List<String> pieces = new ArrayList<>(Collections.nCopies(outputTokens, "x"));
        return new Sequence(id, promptTokens, prefixHashes, pieces, FinishReason.LENGTH, new SequenceListener() {
            @Override
            public void onFirstToken(Sequence s) {
                events.add(clock.nanoTime() + " first " + s.id());
            }

            @Override
            public void onToken(Sequence s, String piece) {
                streamed.append(s.id());
            }

            @Override
            public void onFinish(Sequence s) {
                events.add(clock.nanoTime() + " finish " + s.id());
            }
        });
    }

    private Sequence seq(int id, int promptTokens, int outputTokens) {
        return seq(id, promptTokens, outputTokens, new long[0]);
    }

    private static long[] hashes(int promptTokens, int sharedTokens, int salt) {
        int[] ids = IntStream.range(0, promptTokens)
                .map(i -> i < sharedTokens ? i : 100_000 * salt + i)
                .toArray();
        return PrefixHashes.of(ids, 16);
    }

    @Test
    void allocatesWholeBlocksAndOneMoreEverySixteenGeneratedTokens() {
        SimConfig cfg = config().kvCacheTokens(1600).maxModelLen(1600).build(); // 100 blocks
        Scheduler s = new Scheduler(cfg, clock, new SimMetrics("m"));
        s.submit(seq(1, 20, 40));
        assertEquals(2, s.totalBlocks() - s.freeBlocks(), "20 prompt tokens take 2 blocks of 16");
        assertEquals(0.02, s.kvCacheUsage(), 1e-9);
        clock.advanceSeconds(0.0131); // prefill step: 10 + 1 + 2 ms; token 1 sampled, 21 tokens
        List<Integer> used = new ArrayList<>();
        for (int step = 0; step < 13; step++) {
            used.add(s.totalBlocks() - s.freeBlocks());
            clock.advanceSeconds(0.011);
        }
        // decode steps compute tokens 21..32 in block 2, then token 33 needs a third block
        assertEquals(List.of(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3), used);
        clock.runAll(1000);
        assertEquals(0.0, s.kvCacheUsage(), "a finished sequence frees its blocks");
    }

    @Test
    void admitsFromTheWaitingQueueOnlyWhenThePromptsBlocksFit() {
        SimConfig cfg = config().kvCacheTokens(128).maxModelLen(128).build(); // 8 blocks
        Scheduler s = new Scheduler(cfg, clock, new SimMetrics("m"));
        s.submit(seq(1, 80, 10)); // 5 blocks
        s.submit(seq(2, 64, 10)); // 4 blocks: 5 + 4 > 8
        s.submit(seq(3, 16, 10)); // would fit, but FIFO: admission stops at the first that does not
        clock.advanceSeconds(0.05);
        assertEquals(1, s.runningCount());
        assertEquals(2, s.waitingCount());
        clock.runAll(1000);
        List<String> firsts = events.stream()
                .filter(e -> e.contains("first"))
                .map(e -> e.substring(e.indexOf('f')))
                .toList();
        assertEquals(List.of("first 1", "first 2", "first 3"), firsts);
    }

    @Test
    void preemptsTheMostRecentlyAdmittedAndRecomputesItsPromptAndOutput() {
        // 6 blocks = 96 tokens; three sequences of 16 + 40 tokens need 4 blocks each at the end
        SimConfig cfg = config().kvCacheTokens(96).maxModelLen(96).build();
        SimMetrics metrics = new SimMetrics("m");
        Scheduler s = new Scheduler(cfg, clock, metrics);
        Sequence a = seq(1, 16, 40);
        Sequence b = seq(2, 16, 40);
        Sequence c = seq(3, 16, 40);
        s.submit(a);
        s.submit(b);
        s.submit(c);
        clock.runAll(10_000);
        assertTrue(metrics.preemptions() >= 1, "the cache cannot hold all three to the end");
        assertEquals(0, a.preemptions(), "the oldest admission is never the victim");
        assertTrue(c.preemptions() >= 1, "the newest is preempted first");
        assertEquals(120, metrics.generationTokens(), "every token reaches the client once, none twice");
        assertEquals(40, streamed.chars().filter(ch -> ch == '3').count());
        assertEquals(
                metrics.preemptedTokens(),
                metrics.recomputedTokens(),
                "what a preemption threw away is prefilled again (no prefix to reuse here)");
        assertTrue(metrics.recomputedTokens() > 16, "generated tokens are recomputed too, not only the prompt");
        assertEquals(48, metrics.promptTokens(), "vLLM counts a prompt once, however often it is recomputed");
        assertEquals(0.0, s.kvCacheUsage());
    }

    @Test
    void aPreemptedSequenceGoesBackToTheFrontOfTheQueue() {
        SimConfig cfg = config().maxNumSeqs(2).kvCacheTokens(96).maxModelLen(96).build();
        SimMetrics metrics = new SimMetrics("m");
        Scheduler s = new Scheduler(cfg, clock, metrics);
        Sequence a = seq(1, 16, 60);
        Sequence b = seq(2, 16, 60);
        List<Sequence.State> stateOfBWhenLaterStarted = new ArrayList<>();
        Sequence later = new Sequence(3, 16, List.of("x"), FinishReason.LENGTH, new SequenceListener() {
            @Override
            public void onFirstToken(Sequence s) {
                stateOfBWhenLaterStarted.add(b.state());
            }

            @Override
            public void onToken(Sequence s, String piece) {}

            @Override
            public void onFinish(Sequence s) {}
        });
        s.submit(a);
        s.submit(b);
        clock.advanceSeconds(0.05);
        s.submit(later);
        for (int i = 0; i < 1000 && b.preemptions() == 0; i++) {
            clock.advanceSeconds(0.001);
        }
        assertEquals(1, b.preemptions());
        assertEquals(Sequence.State.WAITING, b.state());
        clock.runAll(10_000);
        assertEquals(
                List.of(Sequence.State.RUNNING),
                stateOfBWhenLaterStarted,
                "the preempted sequence is admitted again before a request that arrived after it");
    }

    @Test
    void chunksALongPrefillToTheStepTokenBudget() {
        SimConfig cfg = config().maxNumSeqs(4).maxNumBatchedTokens(32).build();
        SimMetrics metrics = new SimMetrics("m");
        Scheduler s = new Scheduler(cfg, clock, metrics);
        s.submit(seq(1, 100, 2));
        clock.runAll(100);
        // chunks of 32, 32, 32 (14.2 ms each) and 4 (11.4 ms, samples the first token); one decode step
        assertEquals(List.of("54000000 first 1", "65000000 finish 1"), events);
        String page = metrics.render(new SimMetrics.Gauges(0, 0, 0));
        assertTrue(page.contains("vllm:iteration_tokens_total_count{model_name=\"m\",engine=\"0\"} 5.0"), page);
    }

    @Test
    void decodesGoFirstAndAPrefillTakesWhatIsLeftOfTheBudget() {
        SimConfig cfg = config().maxNumSeqs(4).maxNumBatchedTokens(16).build();
        Scheduler s = new Scheduler(cfg, clock, new SimMetrics("m"));
        s.submit(seq(1, 8, 50));
        clock.advanceSeconds(0.1); // 1 is decoding
        s.submit(seq(2, 30, 1));
        clock.runAll(1000);
        // 2 gets 15 tokens, then 15, then its last token: its first token comes 3 steps after it arrived
        int firstOf2 = events.indexOf(
                events.stream().filter(e -> e.endsWith("first 2")).findFirst().orElseThrow());
        assertTrue(firstOf2 > 0);
        assertEquals(
                "finish 1",
                events.get(events.size() - 1)
                        .substring(events.get(events.size() - 1).indexOf('f')));
    }

    @Test
    void reusesCachedPromptBlocksAndCountsQueriesAndHits() {
        SimConfig cfg = config().build();
        SimMetrics metrics = new SimMetrics("m");
        Scheduler s = new Scheduler(cfg, clock, metrics);
        // a 64-token system prompt (4 blocks) shared by two 100-token prompts
        s.submit(seq(1, 100, 1, hashes(100, 64, 1)));
        clock.runAll(100);
        s.submit(seq(2, 100, 1, hashes(100, 64, 2)));
        clock.runAll(100);
        assertEquals(200, metrics.prefixCacheQueries());
        assertEquals(64, metrics.prefixCacheHits());
        // 1 prefills 100 tokens (21 ms); 2 only the 36 after the shared blocks (14.6 ms)
        long prefill1 = Long.parseLong(events.get(0).split(" ")[0]);
        long start2 = Long.parseLong(events.get(1).split(" ")[0]);
        long prefill2 = Long.parseLong(events.get(2).split(" ")[0]) - start2;
        assertEquals(21_000_000, prefill1);
        assertEquals(14_600_000, prefill2);
    }

    @Test
    void aPromptThatIsAllCachedStillComputesItsLastToken() {
        SimConfig cfg = config().build();
        SimMetrics metrics = new SimMetrics("m");
        Scheduler s = new Scheduler(cfg, clock, metrics);
        s.submit(seq(1, 64, 1, hashes(64, 64, 1)));
        clock.runAll(100);
        s.submit(seq(2, 64, 1, hashes(64, 64, 2)));
        clock.runAll(100);
        assertEquals(48, metrics.prefixCacheHits(), "3 of 4 blocks: the last block holds the token to compute");
    }

    @Test
    void withoutPrefixCachingNothingIsSharedOrCounted() {
        SimConfig cfg = config().prefixCaching(false).build();
        SimMetrics metrics = new SimMetrics("m");
        Scheduler s = new Scheduler(cfg, clock, metrics);
        s.submit(seq(1, 100, 1, hashes(100, 64, 1)));
        clock.runAll(100);
        s.submit(seq(2, 100, 1, hashes(100, 64, 2)));
        clock.runAll(100);
        assertEquals(0, metrics.prefixCacheQueries());
        assertEquals(0, metrics.prefixCacheHits());
    }

    @Test
    void evictedBlocksAreNoLongerHits() {
        SimConfig cfg = config().kvCacheTokens(128).maxModelLen(128).build(); // 8 blocks
        SimMetrics metrics = new SimMetrics("m");
        Scheduler s = new Scheduler(cfg, clock, metrics);
        s.submit(seq(1, 64, 1, hashes(64, 64, 1)));
        clock.runAll(100);
        s.submit(seq(2, 120, 1, hashes(120, 0, 2))); // takes every block, the cached ones too
        clock.runAll(100);
        s.submit(seq(3, 64, 1, hashes(64, 64, 3)));
        clock.runAll(100);
        assertEquals(0, metrics.prefixCacheHits());
    }

    @Test
    void queuesWithoutBoundByDefault() {
        Scheduler s = new Scheduler(config().maxNumSeqs(2).build(), clock, new SimMetrics("m"));
        for (int i = 0; i < 5000; i++) {
            assertTrue(s.submit(seq(i, 10, 5)));
        }
        assertEquals(4999, s.waitingCount());
    }

    @Test
    void runningLevelsOffAtWhatTheCacheHolds() {
        // 64 blocks; sequences of 128 + 128 tokens need 16 blocks each at the end: about 4 run at once
        SimConfig cfg =
                config().maxNumSeqs(64).kvCacheTokens(1024).maxModelLen(1024).build();
        SimMetrics metrics = new SimMetrics("m");
        Scheduler s = new Scheduler(cfg, clock, metrics);
        for (int i = 0; i < 40; i++) {
            s.submit(seq(i, 128, 128));
        }
        int maxRunning = 0;
        for (int i = 0; i < 400; i++) {
            clock.advanceSeconds(0.01);
            maxRunning = Math.max(maxRunning, s.runningCount());
        }
        clock.runAll(100_000);
        assertTrue(maxRunning <= 8, "running " + maxRunning + " with room for 8 prompts");
        assertEquals(40 * 128, metrics.generationTokens());
        assertEquals(4, CapacityModel.batchLimit(cfg, 256));
    }
}
