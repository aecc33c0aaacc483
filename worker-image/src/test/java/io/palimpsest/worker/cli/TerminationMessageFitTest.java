package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.api.worker.Tally;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A shard summary and a tally always fit the 4 KiB a termination message holds: of a summary the counts the tally
 * can restore go first, of a tally the earlier recipes' part (stdout keeps it).
 */
class TerminationMessageFitTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aSmallSummaryIsSentWhole() throws Exception {
        ShardSummary s = summary(2, 2);
        String text = json.writeValueAsString(s);
        assertEquals(text, RunCommand.fitted(s, text, json));
    }

    @Test
    void perReasonThenPerVariantCountsGoWhenTheMessageWouldNotFit() throws Exception {
        ShardSummary s = summary(33, 33);
        s.setMessage("x".repeat(1000));
        String fitted = RunCommand.fitted(s, json.writeValueAsString(s), json);
        assertTrue(fitted.getBytes(StandardCharsets.UTF_8).length <= 4096, fitted.length() + " bytes");
        ShardSummary read = json.readValue(fitted, ShardSummary.class);
        assertNull(read.getRejectedByReason(), "the tally restores it from the receipts");
        assertNull(read.getSkippedByReason(), "likewise");
        assertEquals(7, read.getRejected(), "the totals stay");

        ShardSummary some = summary(33, 2);
        String kept = RunCommand.fitted(some, json.writeValueAsString(some), json);
        assertNotNull(json.readValue(kept, ShardSummary.class).getWrittenByVariant());
    }

    private static ShardSummary summary(int reasons, int variants) {
        ShardSummary s = new ShardSummary();
        s.setShard(3);
        s.setOutcome(ShardSummary.Outcome.committed);
        s.setRead(10);
        s.setWritten(3);
        s.setRejected(7);
        Map<String, Long> byReason = new TreeMap<>();
        for (int i = 0; i < reasons; i++) {
            byReason.put("validator:a-rather-long-validator-name-that-a-generated-recipe-could-well-have-" + i, 1L);
        }
        Map<String, Long> byVariant = new TreeMap<>();
        for (int i = 0; i < variants; i++) {
            byVariant.put("variant-with-a-long-name-" + i, 1L);
        }
        s.setRejectedByReason(byReason);
        s.setSkippedByReason(Map.of("filter:regex", 1L));
        s.setWrittenByVariant(byVariant);
        return s;
    }

    private static Tally tally(int earlierRecipes) {
        Tally tally = new Tally();
        tally.setReceipts(earlierRecipes + 1L);
        tally.setRead(1000);
        tally.setWritten(990);
        tally.setRejected(10);
        tally.setRecipeHash("sha256:" + "f".repeat(64));
        List<Tally.EarlierRecipe> earlier = new ArrayList<>();
        for (int i = 0; i < earlierRecipes; i++) {
            Tally.EarlierRecipe recipe = new Tally.EarlierRecipe();
            recipe.setRecipeHash(String.format("sha256:%064x", i));
            recipe.setReceipts(1);
            recipe.setRead(10);
            recipe.setWritten(10);
            earlier.add(recipe);
        }
        tally.setEarlierRecipes(earlier.isEmpty() ? null : earlier);
        return tally;
    }

    @Test
    void aTallyThatFitsIsSentWhole() throws Exception {
        Tally tally = tally(2);
        String line = json.writeValueAsString(tally);
        assertEquals(line, TallyCommand.fitted(tally, line, json));
    }

    @Test
    void aTallyPastFourKibLosesTheEarlierRecipesPartAndKeepsTheTotals() throws Exception {
        Tally tally = tally(40);
        String line = json.writeValueAsString(tally);
        assertFalse(TerminationLog.fits(line), "the case needs a message over the limit");
        String fitted = TallyCommand.fitted(tally, line, json);
        assertTrue(TerminationLog.fits(fitted), fitted);
        JsonNode read = json.readTree(fitted);
        assertFalse(read.has("earlierRecipes"), fitted);
        assertEquals(1000, read.get("read").asLong());
        assertEquals(990, read.get("written").asLong());
        assertEquals(41, read.get("receipts").asLong());
    }

    /** The shards with a receipt outlast the earlier recipes' part: the operator decides failed shards with them. */
    @Test
    void aTallyPastFourKibKeepsTheShardsWithAReceiptWhenTheyFitWithoutTheEarlierRecipes() throws Exception {
        Tally tally = tally(40);
        tally.setReceiptShards("0-39,41");
        String fitted = TallyCommand.fitted(tally, json.writeValueAsString(tally), json);
        assertTrue(TerminationLog.fits(fitted), fitted);
        JsonNode read = json.readTree(fitted);
        assertFalse(read.has("earlierRecipes"), fitted);
        assertEquals("0-39,41", read.get("receiptShards").asText());

        Tally crowded = tally(0);
        crowded.setReceiptShards("1,".repeat(Tally.RECEIPT_SHARDS_BUDGET / 2 - 1) + "1");
        Map<String, Long> byVariant = new TreeMap<>();
        for (int i = 0; i < 60; i++) {
            byVariant.put("variant-with-a-rather-long-name-" + i, 1L);
        }
        crowded.setWrittenByVariant(byVariant);
        String whole = json.writeValueAsString(crowded);
        assertFalse(TerminationLog.fits(whole), "the case needs a message over the limit");
        String cut = TallyCommand.fitted(crowded, whole, json);
        assertTrue(TerminationLog.fits(cut), cut);
        assertFalse(json.readTree(cut).has("receiptShards"), "left out, never cut: " + cut);
        assertEquals(60, json.readTree(cut).get("writtenByVariant").size());
    }
}
