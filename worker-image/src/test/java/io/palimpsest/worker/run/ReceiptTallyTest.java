package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.storage.FileStorage;
import java.nio.file.Path;
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

    @Test
    void sumsEveryReceiptOfTheRecipeAndCountsForeignOnesApart() throws Exception {
        FileStorage storage = new FileStorage(root);
        receipt(storage, 0, "sha256:a", 100, 90, 6, 4);
        receipt(storage, 1, "sha256:a", 50, 50, 0, 0);
        receipt(storage, 7, "sha256:b", 1000, 1000, 0, 0);
        storage.put("_palimpsest/receipts/notes.txt", "not a receipt".getBytes());

        Tally tally = new ReceiptTally(json).sum(storage, "sha256:a");

        assertEquals(2, tally.getReceipts());
        assertEquals(150, tally.getRead());
        assertEquals(140, tally.getWritten());
        assertEquals(6, tally.getRejected());
        assertEquals(4, tally.getSkipped());
        assertEquals(1500, tally.getPromptTokens());
        assertEquals(980, tally.getCompletionTokens());
        assertEquals(1L, tally.getForeignReceipts());
        assertEquals(Map.of("wiki", 140L, "qa", 138L), tally.getWrittenByVariant());
        assertEquals(Map.of("empty_output", 6L), tally.getRejectedByReason());
    }

    @Test
    void anEmptyOutputTalliesToZero() throws Exception {
        Tally tally = new ReceiptTally(json).sum(new FileStorage(root), "sha256:a");
        assertEquals(0, tally.getReceipts());
        assertNull(tally.getForeignReceipts());
    }
}
