package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ShardSummary;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A shard summary always fits the 4 KiB a termination message holds; the counts the tally can restore go first. */
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
        s.setWrittenByVariant(byVariant);
        return s;
    }
}
