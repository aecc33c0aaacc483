package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.PlanReplacedException;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.ManyReads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReceiptTallyTest {
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path root;

    private void receipt(
            FileStorage storage, int shard, String recipeHash, long read, long written, long rejected, long skipped)
            throws Exception {
        ItemCounts counts = new ItemCounts();
        counts.read = read;
        counts.written = written;
        counts.rejected = rejected;
        counts.skipped = skipped;
        counts.promptTokens = 10 * read;
        counts.completionTokens = 7 * written;
        counts.variants.put("wiki", written);
        counts.reasons.put("empty_output", rejected);
        counts.skipReasons.put("filter:regex", skipped);
        counts.variants.put("qa", written - 1);
        Receipt receipt = new Receipt(
                shard,
                0,
                "w",
                "job",
                null,
                recipeHash,
                "m",
                counts,
                Map.of(),
                1,
                new Receipt.Timings("2026-11-25T10:00:00Z", "2026-11-25T10:01:00Z", 60, 0),
                null,
                null);
        storage.put(new ShardLayout(shard, Compression.NONE).receiptKey(), json.writeValueAsBytes(receipt));
    }

    /**
     * A receipt naming the plan in force counts, as does one of an earlier version that names none; one naming another
     * plan (a run of an earlier plan committed after the output was planned again) fails the tally, naming it.
     */
    @Test
    void aReceiptOfAnotherPlanFailsTheTallyNamingIt() throws Exception {
        FileStorage storage = new FileStorage(root);
        storage.put(ShardManifest.KEY, "{\"index\":0}\n{\"index\":1}\n".getBytes(StandardCharsets.UTF_8));
        String plan = PlanIdentity.inForce(storage);
        receipt(storage, 0, "sha256:c", 10, 10, 0, 0); // an earlier version's: no plan
        Receipt ofThisPlan = withPlan(storage, 0, plan);
        storage.put(new ShardLayout(1, Compression.NONE).receiptKey(), json.writeValueAsBytes(ofThisPlan));

        Tally tally = new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(storage, "sha256:c");
        assertEquals(2, tally.getReceipts());
        assertEquals(20, tally.getRead());

        Receipt ofAnotherPlan = withPlan(storage, 0, "0f".repeat(32));
        String key = new ShardLayout(1, Compression.NONE).receiptKey();
        storage.put(key, json.writeValueAsBytes(ofAnotherPlan));
        PlanReplacedException failed =
                assertThrows(PlanReplacedException.class, () -> new ReceiptTally(json, ManyReads.IN_FLIGHT)
                        .sum(storage, "sha256:c"));
        assertTrue(
                failed.getMessage()
                        .startsWith(storage.describe(key) + " names plan " + "0f".repeat(32) + ", the plan in force is "
                                + plan),
                failed.getMessage());
    }

    /** Shard 0's receipt as written, with {@code plan} recorded. */
    private Receipt withPlan(FileStorage storage, int shard, String plan) throws Exception {
        Receipt r =
                json.readValue(storage.readAll(new ShardLayout(shard, Compression.NONE).receiptKey()), Receipt.class);
        return new Receipt(
                1,
                r.attempt(),
                r.writer(),
                r.job(),
                r.jobUid(),
                r.recipeHash(),
                r.model(),
                r.counts(),
                r.outputs(),
                r.parts(),
                r.timings(),
                r.simulated(),
                plan);
    }

    /**
     * Every receipt is in the output, whatever recipe made it: all are summed, and those of another recipe
     * (committed before an accepted recipe change) are split out per recipe, in the order of their hashes.
     */
    @Test
    void sumsEveryReceiptAndSaysWhatEarlierRecipesMade() throws Exception {
        FileStorage storage = new FileStorage(root);
        receipt(storage, 0, "sha256:c", 100, 90, 6, 4);
        receipt(storage, 1, "sha256:c", 50, 50, 0, 0);
        receipt(storage, 7, "sha256:b", 1000, 1000, 0, 0);
        receipt(storage, 8, "sha256:a", 20, 17, 2, 1);
        receipt(storage, 9, "sha256:b", 30, 29, 1, 0);
        storage.put("_palimpsest/receipts/notes.txt", "not a receipt".getBytes());

        Tally tally = new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(storage, "sha256:c");

        assertEquals(5, tally.getReceipts());
        assertEquals(1200, tally.getRead());
        assertEquals(1186, tally.getWritten());
        assertEquals(9, tally.getRejected());
        assertEquals(5, tally.getSkipped());
        assertEquals(12000, tally.getPromptTokens());
        assertEquals(8302, tally.getCompletionTokens());
        assertEquals(Map.of("wiki", 1186L, "qa", 1181L), tally.getWrittenByVariant());
        assertEquals(Map.of("empty_output", 9L), tally.getRejectedByReason());
        assertEquals(Map.of("filter:regex", 5L), tally.getSkippedByReason());
        assertEquals(
                List.of(earlier("sha256:a", 1, 20, 17, 2, 1), earlier("sha256:b", 2, 1030, 1029, 1, 0)),
                tally.getEarlierRecipes());
        assertEquals(
                List.of(
                        "of which read 20, written 17, rejected 2, skipped 1 in 1 shard under the earlier recipe"
                                + " sha256:a (committed before a recipe change was accepted)",
                        "of which read 1030, written 1029, rejected 1, skipped 0 in 2 shards under the earlier recipe"
                                + " sha256:b (committed before a recipe change was accepted)"),
                EarlierRecipes.lines(tally));
    }

    @Test
    void anOutputOfOneRecipeHasNoEarlierPart() throws Exception {
        FileStorage storage = new FileStorage(root);
        receipt(storage, 0, "sha256:a", 100, 90, 6, 4);
        Tally tally = new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(storage, "sha256:a");
        assertEquals(1, tally.getReceipts());
        assertNull(tally.getEarlierRecipes());
        assertEquals(List.of(), EarlierRecipes.lines(tally));
        assertFalse(json.writeValueAsString(tally).contains("earlierRecipes"));
    }

    @Test
    void aLongHashIsShownByItsFirstDigits() {
        assertEquals("sha256:647f0a1b2c3d", EarlierRecipes.shortHash("sha256:647f0a1b2c3d4e5f60718293"));
        assertEquals("md5:abc", EarlierRecipes.shortHash("md5:abc"));
    }

    private static Tally.EarlierRecipe earlier(
            String hash, long receipts, long read, long written, long rejected, long skipped) {
        Tally.EarlierRecipe recipe = new Tally.EarlierRecipe();
        recipe.setRecipeHash(hash);
        recipe.setReceipts(receipts);
        recipe.setRead(read);
        recipe.setWritten(written);
        recipe.setRejected(rejected);
        recipe.setSkipped(skipped);
        return recipe;
    }

    /**
     * A retry round's documents count where the round left them, in the totals and in the part of the recipe its
     * shard was made under: the run (shard 0 under the earlier recipe E) rejected three documents model_error; round 1,
     * also under E, writes one, rejects one (truncation) and skips one (program_drop_doc: its program dropped it). The
     * skipped one is skipped, under its reason, not a reject; read = written + rejected + skipped holds for the totals
     * and for E's part, each document counted once.
     */
    @Test
    void aDocumentARoundSkipsCountsAsSkippedInTheTotalsAndInItsRecipesPart() throws Exception {
        FileStorage storage = new FileStorage(root);
        storage.put(
                ShardManifest.KEY,
                new ShardManifest(json).serialize(List.of(new Shard(0, List.of()), new Shard(1, List.of()))));
        StringBuilder rejects = new StringBuilder();
        StringBuilder retried = new StringBuilder();
        for (String id : List.of("d-1", "d-2", "d-3")) {
            rejects.append("{\"id\":\"").append(id).append("\",\"outcome\":\"rejected\",\"reason\":\"model_error\"}\n");
            retried.append("{\"id\":\"").append(id).append("\",\"text\":\"t\",\"retriedFor\":[\"model_error\"]}\n");
        }
        storage.put("_palimpsest/rejects/shard-00000.jsonl", rejects.toString().getBytes(StandardCharsets.UTF_8));
        ItemCounts run = counts(10, 7, Map.of("model_error", 3L), Map.of());
        receipt(
                storage,
                "",
                0,
                "sha256:e",
                run,
                Map.of(
                        ShardLayout.REJECTS_STREAM,
                        new StreamFile("_palimpsest/rejects/shard-00000.jsonl", 3, 0, null)));
        receipt(storage, "", 1, "sha256:f", counts(5, 4, Map.of(), Map.of("filter:regex", 1L)), Map.of());

        String round = RetryRounds.prefix(1);
        storage.put(RetryRounds.inputKey(1), retried.toString().getBytes(StandardCharsets.UTF_8));
        storage.put(round + ShardManifest.KEY, new ShardManifest(json).serialize(List.of(new Shard(0, List.of()))));
        receipt(
                storage,
                round,
                0,
                "sha256:e",
                counts(3, 1, Map.of("truncation", 1L), Map.of("program_drop_doc", 1L)),
                Map.of());

        Tally tally = new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(storage, "sha256:f");

        assertEquals(
                List.of(15L, 12L, 1L, 2L),
                List.of(tally.getRead(), tally.getWritten(), tally.getRejected(), tally.getSkipped()),
                tally.toString());
        assertEquals(Map.of("truncation", 1L), tally.getRejectedByReason());
        assertEquals(Map.of("filter:regex", 1L, "program_drop_doc", 1L), tally.getSkippedByReason());
        assertEquals(1L, tally.getRetryRounds());
        assertEquals(List.of(earlier("sha256:e", 2, 10, 8, 1, 1)), tally.getEarlierRecipes());
    }

    /**
     * A retry round's receipt is its round plan's commit as a run's receipt is the run's: one naming another plan than
     * the round's plan in force (a run of a round of a plan the output held before it was planned again) fails the
     * tally naming it, where its counts were taken into the totals and the earlier recipes' parts; one naming the
     * round's own plan counts.
     */
    @Test
    void aRoundsReceiptOfAnotherPlanFailsTheTallyNamingIt() throws Exception {
        FileStorage storage = new FileStorage(root);
        storage.put(ShardManifest.KEY, new ShardManifest(json).serialize(List.of(new Shard(0, List.of()))));
        receipt(storage, "", 0, "sha256:f", counts(3, 2, Map.of("model_error", 1L), Map.of()), Map.of());
        String round = RetryRounds.prefix(1);
        storage.put(
                RetryRounds.inputKey(1),
                "{\"id\":\"d-1\",\"text\":\"t\",\"retriedFor\":[\"model_error\"]}\n".getBytes(StandardCharsets.UTF_8));
        storage.put(round + ShardManifest.KEY, new ShardManifest(json).serialize(List.of(new Shard(0, List.of()))));
        String roundPlan = PlanIdentity.inForce(new FileStorage(root.resolve(round)));
        String key = round + new ShardLayout(0, Compression.NONE).receiptKey();
        receipt(storage, round, 0, "sha256:f", counts(1, 1, Map.of(), Map.of()), Map.of());
        namePlan(storage, key, roundPlan);

        Tally tally = new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(storage, "sha256:f");
        assertEquals(List.of(3L, 3L, 0L), List.of(tally.getRead(), tally.getWritten(), tally.getRejected()));
        assertEquals(1L, tally.getRetryRounds());

        namePlan(storage, key, "0f".repeat(32));
        PlanReplacedException failed =
                assertThrows(PlanReplacedException.class, () -> new ReceiptTally(json, ManyReads.IN_FLIGHT)
                        .sum(storage, "sha256:f"));
        assertTrue(
                failed.getMessage()
                        .startsWith(storage.describe(key) + " names plan " + "0f".repeat(32) + ", the plan in force is "
                                + roundPlan),
                failed.getMessage());
    }

    /** The receipt at {@code key} as written, recording {@code plan}. */
    private void namePlan(FileStorage storage, String key, String plan) throws Exception {
        Receipt r = json.readValue(storage.readAll(key), Receipt.class);
        storage.put(
                key,
                json.writeValueAsBytes(new Receipt(
                        r.shard(),
                        r.attempt(),
                        r.writer(),
                        r.job(),
                        r.jobUid(),
                        r.recipeHash(),
                        r.model(),
                        r.counts(),
                        r.outputs(),
                        r.parts(),
                        r.timings(),
                        r.simulated(),
                        plan)));
    }

    /** Counts of {@code read} documents, {@code written} of them written and the rest rejected or skipped by reason. */
    private static ItemCounts counts(
            long read, long written, Map<String, Long> rejectedBy, Map<String, Long> skippedBy) {
        ItemCounts counts = new ItemCounts();
        counts.read = read;
        counts.written = written;
        counts.reasons.putAll(rejectedBy);
        counts.skipReasons.putAll(skippedBy);
        counts.rejected =
                rejectedBy.values().stream().mapToLong(Long::longValue).sum();
        counts.skipped = skippedBy.values().stream().mapToLong(Long::longValue).sum();
        counts.variants.put("plain", written);
        return counts;
    }

    /** A receipt under {@code prefix} (the run's: empty; a round's: {@link RetryRounds#prefix}). */
    private void receipt(
            FileStorage storage,
            String prefix,
            int shard,
            String recipeHash,
            ItemCounts counts,
            Map<String, StreamFile> outputs)
            throws Exception {
        Receipt receipt = new Receipt(
                shard,
                0,
                "w",
                "job",
                null,
                recipeHash,
                "m",
                counts,
                outputs,
                1,
                new Receipt.Timings("2026-11-25T10:00:00Z", "2026-11-25T10:01:00Z", 60, 0),
                null,
                null);
        storage.put(prefix + new ShardLayout(shard, Compression.NONE).receiptKey(), json.writeValueAsBytes(receipt));
    }

    @Test
    void anEmptyOutputTalliesToZero() throws Exception {
        Tally tally = new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(new FileStorage(root), "sha256:a");
        assertEquals(0, tally.getReceipts());
        assertNull(tally.getEarlierRecipes());
    }

    /**
     * The tally names the shards that have a receipt, as the Job API writes indexes: a shard whose index the Job
     * controller failed after its worker committed it is committed all the same, and the operator learns it here.
     */
    @Test
    void namesTheShardsThatHaveAReceipt() throws Exception {
        FileStorage storage = new FileStorage(root);
        for (int shard : new int[] {0, 1, 2, 5, 7, 8}) {
            receipt(storage, shard, "sha256:c", 10, 10, 0, 0);
        }
        Tally tally = new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(storage, "sha256:c");
        assertEquals("0-2,5,7-8", tally.getReceiptShards());
        assertEquals(6, tally.getReceipts());
    }

    /** Too fragmented to say in the termination message: not said at all, never cut (the operator then takes none). */
    @Test
    void aSetOfReceiptsTooFragmentedToSayIsLeftOut() throws Exception {
        FileStorage storage = new FileStorage(root);
        for (int shard = 0; shard < 2 * Tally.RECEIPT_SHARDS_BUDGET; shard += 2) {
            receipt(storage, shard, "sha256:c", 1, 1, 0, 0);
        }
        Tally tally = new ReceiptTally(json, ManyReads.IN_FLIGHT).sum(storage, "sha256:c");
        assertEquals(Tally.RECEIPT_SHARDS_BUDGET, tally.getReceipts());
        assertNull(tally.getReceiptShards());
    }
}
