package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.worker.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * retry-rejects chooses what to run again from the files the receipts name: a file a receipt names that is not in the
 * output (deleted, or lost) is refused by name, where its records were taken as none (no reject to retry there, no
 * document written there) and the round's choice and the campaign's counts were made from what was left.
 */
class RetryRejectsDamagedOutputTest {

    @TempDir
    Path tmp;

    @Test
    void aRejectsFileTheReceiptNamesThatIsNotThereIsRefusedByName() throws Exception {
        Path manifests = QuickstartCopy.into(tmp);
        Path out = tmp.resolve("out");
        CliRun run = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", out.toString());
        assertEquals(ExitCodes.DONE, run.exit(), run.err());
        Path rejects = out.resolve("_palimpsest/rejects/shard-00000.jsonl.zst");
        assertTrue(Files.exists(rejects), "the shard's rejects (its skipped record) were committed");
        Files.delete(rejects);

        CliRun retry = CliRun.of(
                "retry-rejects",
                "-f",
                manifests.toString(),
                "--out",
                out.toString(),
                "--reason",
                "model_error",
                "--simulate");

        assertEquals(ExitCodes.FAILED, retry.exit(), retry.err());
        assertTrue(retry.err().contains("_palimpsest/receipts/shard-00000.json"), retry.err());
        assertTrue(retry.err().contains("_palimpsest/rejects/shard-00000.jsonl.zst"), retry.err());
        assertTrue(retry.err().contains("is not there"), retry.err());
        assertFalse(retry.err().contains("none to run again"), retry.err());
        assertFalse(Files.exists(out.resolve("retries")), "no round made");
    }
}
