package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.storage.HardLinksRefusedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/**
 * A volume without hard links is the same refusal for every shard and every retry, whichever command meets it
 * ({@code plan}, {@code retry-rejects}, {@code tally}): it ends the command as a configuration error, which fails the
 * Job at once, not as a failure its Job controller retries until every attempt is spent.
 */
class ExitCodeOfTest {

    @Test
    void aVolumeWithoutHardLinksIsAConfigurationErrorEvenWrapped() {
        HardLinksRefusedException refused = new HardLinksRefusedException(
                "_palimpsest/receipts/", "link refused", new IOException("Operation not permitted"));

        assertEquals(ExitCodes.MODEL_CONFIG, PalimpsestCli.exitCodeOf(refused));
        assertEquals(
                ExitCodes.MODEL_CONFIG,
                PalimpsestCli.exitCodeOf(new UncheckedIOException("writing the retry plan", refused)));
    }

    @Test
    void anOtherIoFailureStaysAFailureToRetry() {
        assertEquals(ExitCodes.FAILED, PalimpsestCli.exitCodeOf(new IOException("disk full")));
    }
}
