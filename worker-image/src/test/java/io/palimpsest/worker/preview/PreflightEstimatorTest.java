package io.palimpsest.worker.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.RecipeEngine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PreflightEstimatorTest {

    private static PreflightEstimator.DocumentCost doc(long requests, long prompt, long completion) {
        return new PreflightEstimator.DocumentCost(
                requests, prompt, completion, Map.of("variant:a", new long[] {requests, prompt, completion}));
    }

    @Test
    void identicalDocumentsGiveAnExactFigureAndGpuHoursFollowCapacity() {
        List<PreflightEstimator.DocumentCost> sample = List.of(doc(2, 100, 50), doc(2, 100, 50), doc(2, 100, 50));
        var e = PreflightEstimator.estimate(
                sample,
                1_000_000,
                false,
                new PreflightEstimator.Capacity(PreflightEstimator.Capacity.DECLARED, 1000, "declared"),
                2,
                4,
                3.0,
                1);
        assertEquals(2_000_000, e.requests().estimate(), 1e-6);
        assertEquals(e.requests().estimate(), e.requests().low(), 1e-6);
        assertEquals(e.requests().estimate(), e.requests().high(), 1e-6);
        assertEquals(50_000_000, e.completionTokens().estimate(), 1e-6);
        double replicaHours = 50_000_000 / 1000.0 / 3600;
        assertEquals(replicaHours, e.replicaHours().estimate(), 1e-9);
        assertEquals(2 * replicaHours, e.gpuHours().estimate(), 1e-9);
        assertEquals(replicaHours / 4, e.wallHours().estimate(), 1e-9);
        assertEquals(3 * 2 * replicaHours, e.cost().estimate(), 1e-9);
        assertEquals(
                50_000_000, e.byPurpose().get("variant:a").completionTokens().estimate(), 1e-6);
    }

    @Test
    void withoutAFleetTheGpuHoursSayWhatTheyAssume() {
        List<PreflightEstimator.DocumentCost> sample = List.of(doc(2, 100, 50), doc(2, 100, 50));
        var e = PreflightEstimator.estimate(
                sample,
                1000,
                false,
                new PreflightEstimator.Capacity(PreflightEstimator.Capacity.CALIBRATED, 1000, "calibrated"),
                1,
                null,
                null,
                1);
        assertEquals(50_000 / 1000.0 / 3600, e.gpuHours().estimate(), 1e-12);
        assertNull(e.wallHours());
        assertTrue(
                e.notes().contains(PreflightEstimator.FLEET_UNKNOWN), e.notes().toString());
        assertTrue(PreflightEstimator.FLEET_UNKNOWN.contains("pass --max-replicas"));
    }

    @Test
    void theIntervalComesFromTheSpreadAndHoldsThePoint() {
        List<PreflightEstimator.DocumentCost> sample = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sample.add(doc(1, 10 * i, i % 5 == 0 ? 400 : 100));
        }
        var e = PreflightEstimator.estimate(sample, 10_000, true, null, 1, null, null, 7);
        var c = e.completionTokens();
        assertEquals(10_000 * 160.0, c.estimate(), 1e-6);
        assertTrue(c.low() < c.estimate() && c.estimate() < c.high(), c.toString());
        assertTrue(c.high() - c.low() > 0.1 * c.estimate(), "a skewed sample gives a wide interval: " + c);
        assertNull(e.gpuHours(), "no capacity: no GPU figure");
        assertTrue(e.notes().get(0).contains("estimated"));
        var again = PreflightEstimator.estimate(sample, 10_000, true, null, 1, null, null, 7);
        assertEquals(c, again.completionTokens(), "seeded: the same figures");
    }

    @Test
    void strataWeighTheSampleByTheirTrueShare() {
        // the input: 25 short documents (route a, 100 tokens) and 6 long ones (route b, 1,000 tokens) = 8,500 tokens.
        // A sample of 4 a and 4 b over-represents b: plain, 31 x 550 = 17,050; post-stratified, exact.
        List<PreflightEstimator.DocumentCost> sample = new ArrayList<>();
        List<String> strata = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sample.add(doc(1, 10, 100));
            strata.add("a");
            sample.add(doc(4, 10, 1000));
            strata.add("b");
        }
        var plain = PreflightEstimator.estimate(sample, 31, false, null, 1, null, null, 7);
        assertEquals(31 * 550.0, plain.completionTokens().estimate(), 1e-6);
        var census = new TreeMap<String, Long>(Map.of("a", 25L, "b", 6L));
        var e = PreflightEstimator.estimate(
                sample, new PreflightEstimator.Strata(strata, census), 31, false, null, 1, null, null, null, 7);
        assertEquals(8_500, e.completionTokens().estimate(), 1e-6);
        assertEquals(8_500, e.completionTokens().low(), 1e-6, "no spread inside a stratum: no interval");
        assertEquals(25 + 6 * 4, e.requests().estimate(), 1e-6);
        assertEquals(List.of(new PreviewData.Stratum("a", 25, 4), new PreviewData.Stratum("b", 6, 4)), e.strata());
        assertTrue(
                e.notes().stream().anyMatch(n -> n.startsWith("stratified")),
                e.notes().toString());

        // the census of part of the input (some shards unread): the strata's shares scale to the estimated documents
        var scaled = PreflightEstimator.estimate(
                sample, new PreflightEstimator.Strata(strata, census), 310, true, null, 1, null, null, null, 7);
        assertEquals(85_000, scaled.completionTokens().estimate(), 1e-6);

        // a stratum with documents and none sampled has no mean: the plain estimate, and the report says why
        var census3 = new TreeMap<String, Long>(Map.of("a", 25L, "b", 6L, "c", 2L));
        var fallback = PreflightEstimator.estimate(
                sample, new PreflightEstimator.Strata(strata, census3), 33, false, null, 1, null, null, null, 7);
        assertEquals(33 * 550.0, fallback.completionTokens().estimate(), 1e-6);
        assertNull(fallback.strata());
        assertTrue(
                fallback.notes().stream().anyMatch(n -> n.startsWith("not stratified: no sampled document in c")),
                fallback.notes().toString());
    }

    @Test
    void oneStratumGivesThePlainEstimateExactly() {
        List<PreflightEstimator.DocumentCost> sample = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            sample.add(doc(1, 10 * i, i % 3 == 0 ? 300 : 100));
        }
        var plain = PreflightEstimator.estimate(sample, 1000, false, null, 1, null, null, 5);
        var one = PreflightEstimator.estimate(
                sample,
                new PreflightEstimator.Strata(Collections.nCopies(30, "all"), Map.of("all", 1000L)),
                1000,
                false,
                null,
                1,
                null,
                null,
                null,
                5);
        assertEquals(plain.completionTokens(), one.completionTokens());
        assertNull(one.strata());
    }

    /**
     * Each shard's quota follows its bytes: 5 long documents (12 KB) and 60 short ones (5 KB) give a sample of 4 long
     * and 2 short. Each sampled document stands for its shard's documents over the shard's sampled ones: 5 x 1,520 +
     * 60 x 38 = 9,880, where the plain mean over the sample says 65 x 1,026 = 66,690.
     */
    @Test
    void eachSampledDocumentStandsForItsShardsDocuments() {
        List<PreflightEstimator.DocumentCost> sample = new ArrayList<>();
        List<Integer> shards = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sample.add(doc(2, 1456, 1520));
            shards.add(0);
        }
        for (int i = 0; i < 2; i++) {
            sample.add(doc(2, 130, 38));
            shards.add(1);
        }
        String all = DocumentSampler.ONE_STRATUM;
        var strata = new PreflightEstimator.Strata(
                Collections.nCopies(6, all), Map.of(all, 65L), shards, Map.of(0, Map.of(all, 5L), 1, Map.of(all, 60L)));
        var e = PreflightEstimator.estimate(sample, strata, 65, false, null, 1, null, null, null, 1);
        assertEquals(9_880, e.completionTokens().estimate(), 1e-6);
        assertTrue(
                e.completionTokens().low() <= 9_880
                        && 9_880 <= e.completionTokens().high(),
                e.completionTokens() + "");
        assertEquals(130, e.requests().estimate(), 1e-6);
        assertTrue(
                e.notes().stream().anyMatch(n -> n.startsWith("weighted by shard")),
                e.notes().toString());

        // routes and shards together: each (shard, route) cell; a cell with documents and none sampled is stood
        // for by its route's sampled cells
        var routed = new PreflightEstimator.Strata(
                List.of("a", "a", "b", "b", "a", "a"),
                Map.of("a", 62L, "b", 8L),
                shards,
                Map.of(0, Map.of("a", 2L, "b", 3L), 1, Map.of("a", 60L, "b", 5L)));
        var r = PreflightEstimator.estimate(sample, routed, 70, false, null, 1, null, null, null, 1);
        // a: 2 x 1,520 + 60 x 38; b: shard 1's 5 unsampled stood for by shard 0's 3, so 8 x 1,520
        assertEquals(2 * 1520 + 60 * 38 + 8 * 1520, r.completionTokens().estimate(), 1e-6);
    }

    /** A single sampled document has no spread: there is no interval, and the notes say why. */
    @Test
    void oneSampledDocumentGivesNoInterval() {
        var one = PreflightEstimator.estimate(List.of(doc(20, 2477, 1140)), 30, false, null, 1, null, null, 1);
        assertEquals(34_200, one.completionTokens().estimate(), 1e-6);
        assertNull(one.completionTokens().low());
        assertNull(one.completionTokens().high());
        assertTrue(
                one.notes().stream().anyMatch(n -> n.startsWith("no interval: 1 sampled document")), one.notes() + "");

        // a shard of one sampled document among many draws from the other shards' documents: an interval again
        String all = DocumentSampler.ONE_STRATUM;
        var strata = new PreflightEstimator.Strata(
                Collections.nCopies(3, all),
                Map.of(all, 300L),
                List.of(0, 0, 1),
                Map.of(0, Map.of(all, 100L), 1, Map.of(all, 200L)));
        var e = PreflightEstimator.estimate(
                List.of(doc(1, 10, 100), doc(1, 10, 300), doc(1, 10, 50)),
                strata,
                300,
                false,
                null,
                1,
                null,
                null,
                null,
                1);
        assertEquals(100 * 200 + 200 * 50, e.completionTokens().estimate(), 1e-6);
        assertTrue(e.completionTokens().hasInterval());
        assertTrue(e.completionTokens().high() > e.completionTokens().low());

        // every document sampled: the figure is exact, its interval a point
        var whole = PreflightEstimator.estimate(
                List.of(doc(1, 10, 100), doc(1, 10, 300)),
                new PreflightEstimator.Strata(
                        Collections.nCopies(2, all),
                        Map.of(all, 2L),
                        List.of(0, 1),
                        Map.of(0, Map.of(all, 1L), 1, Map.of(all, 1L))),
                2,
                false,
                null,
                1,
                null,
                null,
                null,
                1);
        assertEquals(new PreviewData.Range(400, 400, 400), whole.completionTokens());
    }

    /**
     * A corpus with a rare bad line or filtered document gives a stratum of one sampled document that costs
     * nothing: every document of it costs nothing, so it shows no spread to miss, and the others' intervals stand.
     */
    @Test
    void aStratumLeftBeforeAnyCallWithOneSampledDocumentKeepsTheInterval() {
        String routed = "routes[0]: a";
        String malformed = RecipeEngine.stratumOf(ItemReason.MALFORMED_JSON);
        String empty = RecipeEngine.stratumOf(ItemReason.EMPTY_TEXT);
        assertEquals("rejected: malformed_json", malformed);
        assertEquals("skipped: empty_text", empty);
        var e = PreflightEstimator.estimate(
                List.of(doc(1, 10, 100), doc(1, 10, 300), doc(1, 10, 200), doc(0, 0, 0), doc(0, 0, 0)),
                new PreflightEstimator.Strata(
                        List.of(routed, routed, routed, malformed, empty),
                        Map.of(routed, 1000L, malformed, 3L, empty, 7L)),
                1010,
                false,
                null,
                1,
                null,
                null,
                null,
                1);
        assertEquals(1000 * 200, e.completionTokens().estimate(), 1e-6);
        assertTrue(e.completionTokens().hasInterval(), e.notes() + "");
        assertTrue(e.completionTokens().high() > e.completionTokens().low());
        assertTrue(e.notes().stream().noneMatch(n -> n.startsWith("no interval")), e.notes() + "");
    }
}
