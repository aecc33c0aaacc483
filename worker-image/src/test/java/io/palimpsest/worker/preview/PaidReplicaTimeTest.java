package io.palimpsest.worker.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.worker.preview.PreviewData.Range;
import org.junit.jupiter.api.Test;

class PaidReplicaTimeTest {

    private static PaidReplicaTime.Campaign campaign(
            int shards,
            Integer parallelism,
            Integer concurrency,
            Double load,
            int min,
            int max,
            double scaleDown,
            double idle) {
        return new PaidReplicaTime.Campaign(
                shards,
                256,
                min,
                max,
                16,
                parallelism,
                concurrency,
                load,
                load == null ? null : "declared",
                scaleDown,
                idle,
                15,
                null,
                null,
                PaidReplicaTime.Fleet.DEFAULTS,
                null,
                null);
    }

    @Test
    void aLargeCampaignFillsItsBatchesAndPaysLoadAndIdleOncePerReplica() {
        // 500 shards x 32 in flight = 16,000 requests of backlog: replicas.max=4 replicas, every batch full
        Range tokens = new Range(3.6e9, 3.4e9, 3.8e9);
        PreviewData.Paid p =
                PaidReplicaTime.estimate(campaign(500, null, 32, 120.0, 0, 4, 300, 600), tokens, 1e7, 1000);
        assertEquals(4, p.replicas());
        assertEquals(1.0, p.batchFill(), 1e-12);
        assertEquals(1000.0, p.serving().estimate(), 1e-9, "3.6e9 tokens at 1,000/s = 1,000 replica-hours");
        assertEquals(p.work(), p.serving());
        assertEquals(4 * 120 / 3600.0, p.loading(), 1e-12);
        // scale-down window (300 s + a period) shorter than idle-to-zero (600 s + a period): 4 replicas for 315 s, then
        // one for 300 s
        assertEquals((4 * 315 + 300) / 3600.0, p.idleAfter(), 1e-12);
        assertEquals(1000 + p.loading() + p.idleAfter(), p.total().estimate(), 1e-9);
        assertEquals(3400 / 3.6 + p.loading() + p.idleAfter(), p.total().low(), 1e-9, "the range is the tokens' range");
        assertEquals(1000 / 4.0 + 120 / 3600.0, p.wallHours().estimate(), 1e-9);
    }

    @Test
    void aSmallCampaignCannotFillABatchAndPaysForTheEmptySlots() {
        // 2 shards of 11.5 requests each: 23 requests in flight on one replica of 256 slots
        Range tokens = new Range(1324, 1000, 1500);
        PreviewData.Paid p = PaidReplicaTime.estimate(campaign(2, null, null, 12.0, 0, 2, 12, 12), tokens, 23, 5000);
        assertEquals(1, p.replicas(), "2 shards x 32 (auto) over 272 per replica: one replica");
        assertEquals(23 / 256.0, p.batchFill(), 1e-12);
        assertEquals(1324 / 5000.0 / 3600 * 256 / 23, p.serving().estimate(), 1e-12);
        assertEquals(12 / 3600.0, p.loading(), 1e-12);
        assertEquals((12 + 15) / 3600.0, p.idleAfter(), 1e-12, "one replica: idle-to-zero plus a period");
        assertTrue(p.notes().get(0).contains("batch 9% full"), p.notes().get(0));
    }

    /** When decoding bounds the run, nothing lasts beyond it: 0, not the residue of taking one sum two ways. */
    @Test
    void aRunBoundByDecodingHasNothingBeyondItAndPrintsZeroAsZero() {
        for (double tokens : new double[] {1324, 2482, 12345}) {
            PreviewData.Paid p = PaidReplicaTime.estimate(
                    campaign(2, null, null, 12.0, 0, 2, 12, 12), new Range(tokens, tokens, tokens), 24, 5000);
            assertEquals(0.0, p.beyondDecoding(), "tokens " + tokens);
            assertEquals("0", PaidReplicaTime.hours(p.beyondDecoding()));
        }
        assertEquals("0", PaidReplicaTime.hours(4.336808689942018e-19));
        assertEquals("0.0009206", PaidReplicaTime.hours(0.0009206));
    }

    @Test
    void workersAndTheirConcurrencyBoundWhatIsInFlight() {
        // 100 shards, 10 workers x 8 in flight = 80 requests over one replica (10 x 8 = 80 backlog < 272)
        PreviewData.Paid p = PaidReplicaTime.estimate(
                campaign(100, 10, 8, null, 0, 8, 300, 600), new Range(1e6, 1e6, 1e6), 1e5, 1000);
        assertEquals(1, p.replicas());
        assertEquals(10, p.workers());
        assertEquals(80 / 256.0, p.batchFill(), 1e-12);
        assertEquals(0, p.loading(), "load not known: not counted");
        assertTrue(
                p.notes().stream().anyMatch(n -> n.contains("not known")),
                p.notes().toString());
        // replicas.min keeps replicas: the floor during the idle wait is min, and the report says they stay
        PreviewData.Paid kept = PaidReplicaTime.estimate(
                campaign(100, 10, 8, 60.0, 2, 8, 300, 600), new Range(1e6, 1e6, 1e6), 1e5, 1000);
        assertEquals(2, kept.replicas());
        assertTrue(
                kept.notes().stream().anyMatch(n -> n.startsWith("replicas.min=2")),
                kept.notes().toString());
    }

    @Test
    void autoWorkersOpenAtAFullBatchAndReadyReplicasWaitForThemToStart() {
        // 8 shards of 500 requests, auto: the backlog (8 x 32) asks one replica, but each worker's first window is
        // max_num_seqs, 2,048 in flight: the queue takes the fleet to replicas.max
        PaidReplicaTime.Campaign auto = new PaidReplicaTime.Campaign(
                8,
                256,
                0,
                2,
                32,
                null,
                null,
                5.0,
                "declared",
                4,
                4,
                1,
                8.0,
                "measured",
                PaidReplicaTime.Fleet.DEFAULTS,
                null,
                null);
        PreviewData.Paid p = PaidReplicaTime.estimate(auto, new Range(2.3e5, 2.2e5, 2.4e5), 4000, 5000);
        assertEquals(2, p.replicas());
        assertEquals(1.0, p.batchFill(), 1e-12);
        assertEquals(2 * 5 / 3600.0, p.loading(), 1e-12);
        assertEquals(
                2 * 8 / 3600.0, p.workersStarting(), 1e-12, "auto parallelism: workers are made for ready replicas");
        assertEquals(2 * (4 + 1) / 3600.0, p.idleAfter(), 1e-12);
        assertEquals((2.3e5 / 5000 / 2 + 5 + 8) / 3600, p.wallHours().estimate(), 1e-12);
        // a fixed parallelism starts the workers with the model: only what outlasts the load is waited for
        PaidReplicaTime.Campaign fixed = new PaidReplicaTime.Campaign(
                8,
                256,
                0,
                2,
                32,
                8,
                null,
                5.0,
                "declared",
                4,
                4,
                1,
                8.0,
                "measured",
                PaidReplicaTime.Fleet.DEFAULTS,
                null,
                null);
        assertEquals(
                2 * 3 / 3600.0,
                PaidReplicaTime.estimate(fixed, new Range(2.3e5, 2.2e5, 2.4e5), 4000, 5000)
                        .workersStarting(),
                1e-12);
    }

    @Test
    void theRunLastsAsLongAsItsSlowestBoundNotOnlyItsDecoding() {
        // 2,000 documents (4,000 requests) in 56 shards, auto: 2 replicas, 20 workers (2 x 256 x 1.25 / 32), 3 rounds
        // of pods
        PaidReplicaTime.Fleet fleet = new PaidReplicaTime.Fleet(1.25, 32, 1000);
        Range tokens = new Range(2.3e5, 2.2e5, 2.4e5);
        PaidReplicaTime.Client quick = new PaidReplicaTime.Client(2000, 120, 0.001, "measured", null);
        PaidReplicaTime.Campaign c = new PaidReplicaTime.Campaign(
                56, 256, 0, 2, 32, null, null, 5.0, "declared", 20, 4, 1, 2.0, "measured", fleet, quick, null);
        PreviewData.Paid decoding = PaidReplicaTime.estimate(c, tokens, 4000, 5120);
        assertEquals(20, decoding.workers());
        assertEquals(2, decoding.replicas());
        // decoding 23 s per replica; own pace 100 documents x 1 ms + 2 later rounds x 2 s = 4.1 s; longest request 120
        // / 20 = 6 s
        assertEquals(0, decoding.beyondDecoding(), 1e-12, "decoding bounds the run");
        assertEquals(
                decoding.serving().estimate() + decoding.loading() + decoding.workersStarting() + decoding.idleAfter(),
                decoding.total().estimate(),
                1e-12);

        // a worker that needs 0.5 s of its own per document: 100 documents each, 50 s, plus the later rounds' starts (2
        // x 2 s)
        PaidReplicaTime.Client slow = new PaidReplicaTime.Client(2000, 120, 0.5, "measured", null);
        PreviewData.Paid paced = PaidReplicaTime.estimate(
                new PaidReplicaTime.Campaign(
                        56, 256, 0, 2, 32, null, null, 5.0, "declared", 20, 4, 1, 2.0, "measured", fleet, slow, null),
                tokens,
                4000,
                5120);
        assertEquals(2 * 54 / 3600.0 - paced.serving().estimate(), paced.beyondDecoding(), 1e-12);
        assertEquals(
                2 * 54 / 3600.0 + paced.loading() + paced.workersStarting() + paced.idleAfter(),
                paced.total().estimate(),
                1e-12);
        assertEquals(
                paced.total().estimate(),
                paced.total().low(),
                1e-12,
                "the workers' pace does not depend on the tokens' range");
        assertTrue(
                paced.notes().stream().anyMatch(n -> n.contains("bound by the workers' own pace")),
                paced.notes().toString());

        // one shard of long requests: the longest (2,000 tokens at 20 tokens/s per sequence: 100 s) decodes alone at
        // the end
        PreviewData.Paid tail = PaidReplicaTime.estimate(
                new PaidReplicaTime.Campaign(
                        1,
                        256,
                        0,
                        2,
                        32,
                        null,
                        null,
                        5.0,
                        "declared",
                        20,
                        4,
                        1,
                        2.0,
                        "measured",
                        fleet,
                        new PaidReplicaTime.Client(20, 2000, 0.0, "measured", null),
                        null),
                new Range(2e4, 2e4, 2e4),
                240,
                5120);
        assertEquals(100 / 3600.0, tail.serving().estimate() + tail.beyondDecoding(), 1e-12);
        assertTrue(
                tail.notes().stream().anyMatch(n -> n.contains("bound by the longest request")),
                tail.notes().toString());
        assertEquals(
                tail.total().estimate(),
                tail.total().high(),
                1e-12,
                "without max_tokens the sample's longest is all there is");
        // with max_tokens 3,000 the campaign's longest may decode 150 s alone: the interval reaches it, the estimate
        // stays
        PreviewData.Paid capped = PaidReplicaTime.estimate(
                new PaidReplicaTime.Campaign(
                        1,
                        256,
                        0,
                        2,
                        32,
                        null,
                        null,
                        5.0,
                        "declared",
                        20,
                        4,
                        1,
                        2.0,
                        "measured",
                        fleet,
                        new PaidReplicaTime.Client(20, 2000, 0.0, "measured", 3000.0),
                        null),
                new Range(2e4, 2e4, 2e4),
                240,
                5120);
        assertEquals(tail.total().estimate(), capped.total().estimate(), 1e-12);
        assertEquals(tail.total().low(), capped.total().low(), 1e-12);
        assertEquals(tail.total().high() + 50 / 3600.0, capped.total().high(), 1e-12);
        assertTrue(
                capped.notes().stream().anyMatch(n -> n.contains("at most max_tokens 3000")),
                capped.notes().toString());

        // the operator's settings decide the workers: a headroom of 2.5 runs 40
        PreviewData.Paid wider = PaidReplicaTime.estimate(
                new PaidReplicaTime.Campaign(
                        56,
                        256,
                        0,
                        2,
                        32,
                        null,
                        null,
                        5.0,
                        "declared",
                        20,
                        4,
                        1,
                        2.0,
                        "measured",
                        new PaidReplicaTime.Fleet(2.5, 32, 1000),
                        quick,
                        null),
                tokens,
                4000,
                5120);
        assertEquals(40, wider.workers());

        // where the shard count comes from is said first
        PreviewData.Paid said = PaidReplicaTime.estimate(
                new PaidReplicaTime.Campaign(
                        56,
                        256,
                        0,
                        2,
                        32,
                        null,
                        null,
                        5.0,
                        "declared",
                        20,
                        4,
                        1,
                        2.0,
                        "measured",
                        fleet,
                        quick,
                        "the planner's"),
                tokens,
                4000,
                5120);
        assertEquals(
                "56 shards, one worker pod each (the planner's)", said.notes().get(0));
    }

    /**
     * A document's chunks call the model one after another: its chain, not its longest request, decodes
     * alone at one sequence's pace at the end (20 calls of 57 tokens = 1,140 tokens at 20 tokens/s: 57 s).
     */
    @Test
    void theLongestChainOfOneDocumentsSequentialCallsBoundsTheRun() {
        PreviewData.Paid chained = PaidReplicaTime.estimate(
                new PaidReplicaTime.Campaign(
                        1,
                        256,
                        0,
                        2,
                        32,
                        null,
                        null,
                        null,
                        null,
                        20,
                        4,
                        1,
                        null,
                        null,
                        PaidReplicaTime.Fleet.DEFAULTS,
                        new PaidReplicaTime.Client(30, 57, 0.001, "measured", 200.0, 1140),
                        null),
                new Range(34_200, 34_200, 34_200),
                600,
                5120);
        assertEquals(57 / 3600.0, chained.serving().estimate() + chained.beyondDecoding(), 1e-12);
        assertTrue(
                chained.notes().stream()
                        .anyMatch(n -> n.contains("bound by the longest chain of one document's calls")
                                && n.contains("the longest chain of one document's sequential calls, 1140 tokens")),
                chained.notes().toString());

        // a document without a chain: its longest request, as before
        PreviewData.Paid single = PaidReplicaTime.estimate(
                new PaidReplicaTime.Campaign(
                        1,
                        256,
                        0,
                        2,
                        32,
                        null,
                        null,
                        null,
                        null,
                        20,
                        4,
                        1,
                        null,
                        null,
                        PaidReplicaTime.Fleet.DEFAULTS,
                        new PaidReplicaTime.Client(30, 57, 0.001, "measured", 200.0),
                        null),
                new Range(34_200, 34_200, 34_200),
                600,
                5120);
        assertTrue(single.beyondDecoding() < chained.beyondDecoding());
    }

    /** Tokens with no interval (one sampled document) give GPU-hours and wall time with none either. */
    @Test
    void noIntervalInTheTokensIsNoIntervalInTheHours() {
        PreviewData.Paid p = PaidReplicaTime.estimate(
                campaign(2, null, null, 12.0, 0, 2, 12, 12), Range.withoutInterval(1324), 23, 5000);
        assertTrue(!p.total().hasInterval() && !p.wallHours().hasInterval(), p.total() + " " + p.wallHours());
        assertTrue(p.total().estimate() > 0);
    }
}
