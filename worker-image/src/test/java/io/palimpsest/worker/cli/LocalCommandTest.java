package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.FileStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the quickstart manifests, run locally against the built-in simulator. */
class LocalCommandTest {

    private static final Path QUICKSTART = Path.of("../examples/quickstart");

    @TempDir
    Path out;

    @Test
    void theQuickstartRunsAndASecondRunDoesNoWork() throws Exception {
        assertTrue(Files.isDirectory(QUICKSTART), "run from the worker-image module: " + QUICKSTART.toAbsolutePath());
        assertEquals(
                0, PalimpsestCli.execute("local", "-f", QUICKSTART.toString(), "--simulate", "--out", out.toString()));

        FileStorage output = new FileStorage(out);
        long shards =
                new String(output.readAll("_palimpsest/manifest.jsonl")).lines().count();
        assertTrue(shards >= 1);
        ObjectMapper json = new ObjectMapper();
        long read = 0;
        for (int shard = 0; shard < shards; shard++) {
            String name = String.format("shard-%05d", shard);
            JsonNode receipt = json.readTree(output.readAll("_palimpsest/receipts/" + name + ".json"));
            JsonNode counts = receipt.path("counts");
            assertEquals(
                    counts.path("read").asLong(),
                    counts.path("written").asLong()
                            + counts.path("rejected").asLong()
                            + counts.path("skipped").asLong());
            read += counts.path("read").asLong();
            for (String variant : new String[] {"wiki", "qa"}) {
                assertTrue(output.exists(variant + "/" + name + ".jsonl.zst"), variant + " output of " + name);
            }
        }
        assertTrue(read > 0);

        byte[] firstReceipt = output.readAll("_palimpsest/receipts/shard-00000.json");
        assertEquals(
                0, PalimpsestCli.execute("local", "-f", QUICKSTART.toString(), "--simulate", "--out", out.toString()));
        assertEquals(
                new String(firstReceipt),
                new String(output.readAll("_palimpsest/receipts/shard-00000.json")),
                "nothing redone");
    }
}
