package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.worker.preview.PreflightEstimator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A worker's own time per document, from the preview's processing less its longest request: the
 * request as the client timed it, or, when none was timed, computed and said to be.
 */
class PreviewOwnPaceTest {

    private static final PreflightEstimator.Capacity CAPACITY =
            new PreflightEstimator.Capacity(PreflightEstimator.Capacity.CALIBRATED, 4475, "calibrated");

    @Test
    void theLongestRequestAsTimedIsWhatIsTakenAway() {
        var client = PreviewCommand.client(List.of(), 13, 1.4, 1.1, CAPACITY, 256);
        assertEquals(0.3, client.secondsPerDocument(), 1e-9, "1.4 s less the 1.1 s the longest request took");
        assertEquals(
                "measured: this preview processed its 0 documents in 1.4 s, 1.1 s of it its longest request",
                client.source());
    }

    @Test
    void aLongestRequestNobodyTimedIsSaidToBeComputed() {
        var client = PreviewCommand.client(List.of(), 13, 1.4, null, CAPACITY, 256);
        assertTrue(
                client.source().contains("(measured), less 0.0 s computed for its longest request"), client.source());
        assertTrue(client.source().contains("not timed"), client.source());
        assertTrue(!client.source().startsWith("measured"), client.source());
    }
}
