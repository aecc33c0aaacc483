package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.ConditionalWrites;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ForeignOutput} on a folder: someone's files are refused, a campaign (whole or half-written) is not. */
class ForeignOutputTest {

    @TempDir
    Path tmp;

    private void refuse(Path out) throws IOException {
        ForeignOutput.refuse(out.toUri().toString(), new FileStorage(out));
    }

    private static void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"id\":\"x\",\"text\":\"someone's\"}\n");
    }

    @Test
    void someonesFilesAreRefusedNamingAFew() throws IOException {
        Path out = tmp.resolve("data");
        for (int i = 0; i < 8; i++) {
            write(out.resolve("part-" + i + ".jsonl"));
        }
        write(out.resolve("wiki/shard-00000.jsonl.zst"));
        InvalidJobException refused = assertThrows(InvalidJobException.class, () -> refuse(out));
        assertTrue(
                refused.getMessage()
                        .startsWith("output " + out.toUri() + " holds files and no Palimpsest campaign (no"
                                + " _palimpsest/ folder): part-0.jsonl, part-1.jsonl, part-2.jsonl, ...;"),
                refused.getMessage());
        assertTrue(
                refused.getMessage()
                        .endsWith("; shards written there would mix with them: write to an empty location, or"
                                + " remove those files"),
                refused.getMessage());

        Path folderOnly = tmp.resolve("folder");
        write(folderOnly.resolve("wiki/shard-00000.jsonl"));
        InvalidJobException folder = assertThrows(InvalidJobException.class, () -> refuse(folderOnly));
        assertTrue(folder.getMessage().contains("folder): wiki/;"), folder.getMessage());
    }

    @Test
    void anotherToolsUnderscoreNamesCountHiddenOnesDoNot() throws IOException {
        Path spark = tmp.resolve("spark");
        write(spark.resolve("_SUCCESS"));
        assertThrows(InvalidJobException.class, () -> refuse(spark));

        Path hidden = tmp.resolve("hidden");
        write(hidden.resolve(".DS_Store"));
        write(hidden.resolve(".git/config"));
        write(hidden.resolve(".tmp-abc-manifest.jsonl"));
        assertDoesNotThrow(() -> refuse(hidden));
    }

    @Test
    void anEmptyOrAbsentLocationPasses() throws IOException {
        assertDoesNotThrow(() -> refuse(tmp.resolve("absent")));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.createDirectories(empty.resolve("lost+found"));
        Files.createDirectories(empty.resolve("an-empty-folder/below"));
        assertDoesNotThrow(() -> refuse(empty));
    }

    @Test
    void aCampaignPassesWhateverItHolds() throws IOException {
        Path out = tmp.resolve("campaign");
        write(out.resolve(ShardManifest.KEY));
        write(out.resolve("_palimpsest/receipts/shard-00000.json"));
        write(out.resolve("wiki/shard-00000.jsonl.zst"));
        write(out.resolve("retries/round-001/_palimpsest/manifest.jsonl"));
        assertDoesNotThrow(() -> refuse(out));
    }

    /**
     * What a first run killed at any point leaves: the planner's store probe, a manifest half-written (its
     * temporary file), an empty bookkeeping folder, a plan with a shard's files assembled before its receipt.
     */
    @Test
    void aFirstRunKilledAnywhereIsNotRefused() throws IOException {
        Path probe = tmp.resolve("probe");
        write(probe.resolve(ConditionalWrites.PROBE_PREFIX + "1234"));
        assertDoesNotThrow(() -> refuse(probe));

        Path halfWritten = tmp.resolve("half");
        write(halfWritten.resolve("_palimpsest/.tmp-0a1b-manifest.jsonl"));
        assertDoesNotThrow(() -> refuse(halfWritten));

        Path emptied = tmp.resolve("emptied");
        Files.createDirectories(emptied.resolve("_palimpsest"));
        assertDoesNotThrow(() -> refuse(emptied));

        Path midCommit = tmp.resolve("mid-commit");
        write(midCommit.resolve(ShardManifest.KEY));
        write(midCommit.resolve("_palimpsest/checkpoints/shard-00000/part-000000.json"));
        write(midCommit.resolve("wiki/shard-00000.jsonl.zst"));
        write(midCommit.resolve("wiki/.tmp-77-shard-00001.jsonl.zst"));
        assertDoesNotThrow(() -> refuse(midCommit));
    }

    @Test
    void someonesFilesBesideAnEmptyBookkeepingFolderAreStillRefused() throws IOException {
        Path out = tmp.resolve("out");
        Files.createDirectories(out.resolve("_palimpsest/checkpoints"));
        write(out.resolve("train.jsonl"));
        InvalidJobException refused = assertThrows(InvalidJobException.class, () -> refuse(out));
        assertTrue(refused.getMessage().contains("folder): train.jsonl;"), refused.getMessage());
    }
}
