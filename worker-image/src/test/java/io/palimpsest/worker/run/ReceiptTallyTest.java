package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.storage.FileStorage;
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
                null);
        storage.put(new ShardLayout(shard, Compression.NONE).receiptKey(), json.writeValueAsBytes(receipt));
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

        Tally tally = new ReceiptTally(json).sum(storage, "sha256:c");

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
        Tally tally = new ReceiptTally(json).sum(storage, "sha256:a");
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

    @Test
    void anEmptyOutputTalliesToZero() throws Exception {
        Tally tally = new ReceiptTally(json).sum(new FileStorage(root), "sha256:a");
        assertEquals(0, tally.getReceipts());
        assertNull(tally.getEarlierRecipes());
    }
}
