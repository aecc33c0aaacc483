package io.palimpsest.sim.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.palimpsest.sim.engine.FinishReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputLimiterTest {

    @Test
    void nothingCutsAShortAnswer() {
        PlannedOutput out = OutputLimiter.limit("One two three.", FinishReason.STOP, List.of(), 100);
        assertEquals("One two three.", out.text());
        assertEquals(FinishReason.STOP, out.finishReason());
        assertNull(out.stopReason());
    }

    @Test
    void maxTokensCutsWithLength() {
        PlannedOutput out = OutputLimiter.limit("One two three four five.", FinishReason.STOP, List.of(), 3);
        assertEquals("One two three", out.text());
        assertEquals(3, out.pieces().size());
        assertEquals(FinishReason.LENGTH, out.finishReason());
    }

    @Test
    void theEarliestStopStringEndsTheTextWithoutIt() {
        PlannedOutput out = OutputLimiter.limit("A b. C d\n\nE f", FinishReason.STOP, List.of("\n\n", "."), 100);
        assertEquals("A b", out.text());
        assertEquals(FinishReason.STOP, out.finishReason());
        assertEquals(".", out.stopReason());
    }

    @Test
    void aStopBeyondMaxTokensIsNeverReached() {
        PlannedOutput out = OutputLimiter.limit("one two three four END", FinishReason.STOP, List.of("END"), 2);
        assertEquals(FinishReason.LENGTH, out.finishReason());
        assertEquals("one two", out.text());
    }

    @Test
    void aStopRescuesADegenerateLoop() {
        PlannedOutput out = OutputLimiter.limit("la la la\nla la", FinishReason.LENGTH, List.of("\n"), 100);
        assertEquals(FinishReason.STOP, out.finishReason());
        assertEquals("la la la", out.text());
    }
}
