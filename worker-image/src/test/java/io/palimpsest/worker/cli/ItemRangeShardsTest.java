package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file long for the fleet, planned with {@code --fleet-workers} and run shard by shard through the
 * real CLI: its item ranges are shards with their own receipts and outputs, every document lands
 * once (an id repeated in two ranges of the file is kept by the range first in the plan), and a
 * range run again commits nothing twice.
 */
class ItemRangeShardsTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theRangesOfAFileCommitEveryDocumentOnce() throws Exception {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        List<String> ids = new ArrayList<>(Corpus.writeJsonl(in.resolve("big.jsonl"), "big", 200));
        ids.addAll(Corpus.writeJsonl(in.resolve("small.jsonl"), "small", 4));
        // line 201: the id of line 4, far enough to fall in another range
        Files.writeString(
                in.resolve("big.jsonl"),
                "{\"id\":\"big-3\",\"text\":\"a later copy of an id\"}\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            Path job = JobFiles.write(tmp.resolve("job"), in, out, sim.baseUrl(), 4);
            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "plan", "-f", job.toString(), "--fleet-workers", "2", "--termination-log", ""));
            FileStorage output = new FileStorage(out);
            List<Shard> shards = new ShardManifest(json).read(output);
            long ranges = shards.stream()
                    .filter(s -> s.files().get(0).firstItem() != null)
                    .count();
            assertTrue(ranges >= 4, "big.jsonl is cut into ranges: " + shards);
            for (Shard shard : shards) {
                assertEquals(
                        0,
                        PalimpsestCli.execute(
                                "run",
                                "-f",
                                job.toString(),
                                "--shard",
                                String.valueOf(shard.index()),
                                "--termination-log",
                                ""),
                        "shard " + shard.index());
            }
            // a range run again finds its receipt and commits nothing twice
            assertEquals(
                    0, PalimpsestCli.execute("run", "-f", job.toString(), "--shard", "0", "--termination-log", ""));

            Map<String, Integer> written = new HashMap<>();
            List<JsonNode> rejects = new ArrayList<>();
            long read = 0;
            for (Shard shard : shards) {
                String name = String.format("shard-%05d", shard.index());
                Outputs.ids(output, "plain/" + name + ".jsonl.zst").forEach(id -> written.merge(id, 1, Integer::sum));
                if (output.exists("_palimpsest/rejects/" + name + ".jsonl.zst")) {
                    rejects.addAll(Outputs.read(output, "_palimpsest/rejects/" + name + ".jsonl.zst"));
                }
                JsonNode counts = json.readTree(output.readAll("_palimpsest/receipts/" + name + ".json"))
                        .path("counts");
                assertEquals(
                        counts.path("read").asLong(),
                        counts.path("written").asLong()
                                + counts.path("rejected").asLong()
                                + counts.path("skipped").asLong(),
                        name + ": " + counts);
                read += counts.path("read").asLong();
            }
            assertEquals(205, read, "every line of both files read once over all shards");
            assertEquals(ids.size(), written.size(), "every id written: " + written.keySet());
            assertTrue(written.values().stream().allMatch(n -> n == 1), "none twice: " + written);
            assertEquals(1, rejects.size(), rejects.toString());
            JsonNode reject = rejects.get(0);
            assertEquals("duplicate_id", reject.path("reason").asText());
            assertEquals("big-3", reject.path("id").asText());
            assertEquals("big.jsonl", reject.path("file").asText());
            // the first occurrence in shard order wins (shards are numbered largest first, so either range may come
            // first)
            int withLine4 = shardHolding(shards, "big.jsonl", 3);
            int withLine201 = shardHolding(shards, "big.jsonl", 200);
            assertNotEquals(withLine4, withLine201, "the two copies fall in different ranges: " + shards);
            assertEquals(
                    withLine4 < withLine201 ? 201 : 4,
                    reject.path("line").asInt(),
                    "the copy in the later shard is rejected, by the file's own line: " + reject);
        }
    }

    /** The index of the shard that reads item {@code item} (from 0) of file {@code key}. */
    private static int shardHolding(List<Shard> shards, String key, long item) {
        return shards.stream()
                .filter(s -> s.files().stream()
                        .anyMatch(f -> f.key().equals(key)
                                && item >= f.skippedItems()
                                && (f.maxItems() == null || item < f.skippedItems() + f.maxItems())))
                .mapToInt(Shard::index)
                .findFirst()
                .orElseThrow();
    }
}
