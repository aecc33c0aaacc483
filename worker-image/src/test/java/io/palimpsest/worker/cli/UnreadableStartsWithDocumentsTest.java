package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file whose first items are no document but which holds documents further on, planned and then run shard by shard
 * through the CLI: the planner reads every file whole, so it vouches for such a file in its duplicate-id index, and
 * the file's worker rejects the unreadable lines one by one instead of failing the shard as bad data (exit 42). Two
 * shapes: a file whose first document is its line 151, and an item range of a cut file that holds only a corrupted
 * block of an otherwise good file. A plan whose index does not vouch for the file (an earlier version's) keeps the
 * worker's check.
 */
class UnreadableStartsWithDocumentsTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path tmp;

    /** {@code late.jsonl}: 150 lines that are not JSON, then its first document, {@code late}, at line 151. */
    private static void writeLateFirstDocument(Path in) throws IOException {
        Files.writeString(
                in.resolve("late.jsonl"),
                "this line is not JSON\n".repeat(150) + "{\"id\":\"late\",\"text\":\"A document after them.\"}\n");
    }

    @Test
    void aFileWhoseFirstDocumentIsItsLine151IsRunWithItsUnreadableLinesRejected() throws Exception {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        List<String> ids = new ArrayList<>(Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 5));
        writeLateFirstDocument(in);
        ids.add("late");
        try (ModelSimServer sim = sim()) {
            Path job = JobFiles.write(tmp.resolve("job"), in, out, sim.baseUrl(), 4);
            CliRun plan = CliRun.of("plan", "-f", job.toString(), "--termination-log", "");
            assertEquals(0, plan.exit(), plan.err());
            String late = new FileStorage(in).describe("late.jsonl");
            assertTrue(
                    plan.err()
                            .contains(": none of the first 100 lines of " + late
                                    + " could be read as a document: 100 malformed_json"),
                    plan.err());
            assertTrue(
                    plan.err()
                            .contains(
                                    "; the planner read the whole file and found documents in it, so its worker"
                                            + " rejects such lines as malformed_json, each counted with its line, and reads on"),
                    plan.err());
            assertFalse(plan.err().contains("its worker fails it"), plan.err());
            assertFalse(plan.err().contains("warning"), plan.err());
            FileStorage output = new FileStorage(out);
            JsonNode index = json.readTree(output.readAll(DuplicateIdIndex.INDEX_KEY));
            assertEquals(
                    "[\"late.jsonl\"]",
                    index.path(DuplicateIdIndex.WAIVED_STARTS).toString());
            assertEquals("[]", index.path("unreadableShards").toString(), "every shard takes part in the index");

            Totals totals = runEveryShard(job, output);

            assertEquals(156, totals.read, "every line of both files");
            assertEquals(ids.size(), totals.written.size(), "every document written: " + totals.written);
            assertTrue(totals.written.values().stream().allMatch(n -> n == 1), "none twice: " + totals.written);
            assertEquals(Map.of("malformed_json", 150L), totals.rejectedByReason);
            assertEquals(1, totals.rejectLines.get(0), "the first reject is the file's line 1");
            assertEquals(150, totals.rejectLines.get(totals.rejectLines.size() - 1));
        }
    }

    @Test
    void localRunsTheLateFirstDocumentFileAsThePlanSays() throws Exception {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 5);
        writeLateFirstDocument(in);
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 4);

        CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate");

        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        assertTrue(local.err().contains("so its worker rejects such lines as malformed_json"), local.err());
        FileStorage output = new FileStorage(out);
        long read = 0;
        long rejected = 0;
        for (Shard shard : new ShardManifest(json).read(output)) {
            JsonNode counts = json.readTree(
                            output.readAll(String.format("_palimpsest/receipts/shard-%05d.json", shard.index())))
                    .path("counts");
            assertEquals(
                    counts.path("read").asLong(),
                    counts.path("written").asLong()
                            + counts.path("rejected").asLong()
                            + counts.path("skipped").asLong(),
                    counts.toString());
            read += counts.path("read").asLong();
            rejected += counts.path("rejected").asLong();
        }
        assertEquals(156, read);
        assertEquals(150, rejected);
    }

    /**
     * The same file as the first of its kind, the one the planner samples before the corpus is read: {@code plan},
     * {@code local} and {@code preview} take it as they take it second, its unreadable lines rejected one by one.
     */
    @Test
    void theLateFirstDocumentFileIsTakenAsTheFirstFileOfItsKindByPlanLocalAndPreview() throws Exception {
        Path in = tmp.resolve("in");
        Corpus.writeJsonl(in.resolve("m.jsonl"), "m", 5); // after late.jsonl in key order
        writeLateFirstDocument(in);
        Path job = JobFiles.write(tmp.resolve("job"), in, tmp.resolve("out"), "http://127.0.0.1:9", 4);

        CliRun plan = CliRun.of("plan", "-f", job.toString(), "--termination-log", "");
        assertEquals(0, plan.exit(), plan.err());
        assertTrue(plan.err().contains("so its worker rejects such lines as malformed_json"), plan.err());
        JsonNode index = json.readTree(new FileStorage(tmp.resolve("out")).readAll(DuplicateIdIndex.INDEX_KEY));
        assertEquals(
                "[\"late.jsonl\"]", index.path(DuplicateIdIndex.WAIVED_STARTS).toString());

        Path localOut = tmp.resolve("local-out");
        CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate", "--out", localOut.toString());
        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        FileStorage output = new FileStorage(localOut);
        long read = 0;
        long written = 0;
        long rejected = 0;
        for (Shard shard : new ShardManifest(json).read(output)) {
            JsonNode counts = json.readTree(
                            output.readAll(String.format("_palimpsest/receipts/shard-%05d.json", shard.index())))
                    .path("counts");
            assertEquals(
                    counts.path("read").asLong(),
                    counts.path("written").asLong()
                            + counts.path("rejected").asLong()
                            + counts.path("skipped").asLong(),
                    counts.toString());
            read += counts.path("read").asLong();
            written += counts.path("written").asLong();
            rejected += counts.path("rejected").asLong();
        }
        assertEquals(156, read);
        assertEquals(6, written);
        assertEquals(150, rejected);

        CliRun preview = CliRun.of(
                "preview",
                "-f",
                job.toString(),
                "--simulate",
                "--out",
                tmp.resolve("preview").toString());
        assertEquals(0, preview.exit(), preview.err());
    }

    @Test
    void aRangeOfACutFileThatHoldsOnlyACorruptedBlockIsRunWithItsLinesRejected() throws Exception {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        StringBuilder big = new StringBuilder();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 900; i++) {
            if (i >= 300 && i < 600) {
                big.append("{\"id\":\"corrupt-").append(i).append("\",\"te\n"); // a block of records cut short
            } else {
                ids.add("big-" + i);
                big.append("{\"id\":\"big-")
                        .append(i)
                        .append("\",\"text\":\"")
                        .append(Corpus.sentence(i))
                        .append("\"}\n");
            }
        }
        Files.createDirectories(in);
        Files.writeString(in.resolve("big.jsonl"), big.toString());
        ids.addAll(Corpus.writeJsonl(in.resolve("small.jsonl"), "small", 4));
        try (ModelSimServer sim = sim()) {
            Path job = JobFiles.write(tmp.resolve("job"), in, out, sim.baseUrl(), 4);
            CliRun plan = CliRun.of("plan", "-f", job.toString(), "--fleet-workers", "2", "--termination-log", "");
            assertEquals(0, plan.exit(), plan.err());
            FileStorage output = new FileStorage(out);
            List<Shard> shards = new ShardManifest(json).read(output);
            String bigFile = new FileStorage(in).describe("big.jsonl");
            int corruptRanges = 0;
            for (Shard shard : shards) {
                for (ShardFile f : shard.files()) {
                    if (f.key().equals("big.jsonl")
                            && f.firstItem() != null
                            && f.skippedItems() >= 300
                            && f.skippedItems() + f.maxItems() <= 600) {
                        corruptRanges++;
                        // the range's lines, not "the first 100 lines" of the file, which are documents
                        long first = f.skippedItems() + 1;
                        long taken = Math.min(100, f.maxItems());
                        assertTrue(
                                plan.err()
                                        .contains("note: shard " + shard.index() + ": none of lines " + first + " to "
                                                + (first + taken - 1) + " of " + bigFile + " ("
                                                + (taken == f.maxItems() ? "all " : "the first ") + taken
                                                + " of this shard's item range) could be read as a document: "),
                                plan.err());
                    }
                }
            }
            assertTrue(corruptRanges > 0, "a range holds only lines of the corrupted block: " + shards);
            assertTrue(plan.err().contains("so its worker rejects such lines as malformed_json"), plan.err());
            assertFalse(plan.err().contains("its worker fails it"), plan.err());

            Totals totals = runEveryShard(job, output);

            assertEquals(904, totals.read, "every line of both files read once over all shards");
            assertEquals(ids.size(), totals.written.size(), "every document written");
            assertTrue(totals.written.values().stream().allMatch(n -> n == 1), "none twice: " + totals.written);
            assertEquals(Map.of("malformed_json", 300L), totals.rejectedByReason);
            assertEquals(
                    301,
                    totals.rejectLines.stream()
                            .mapToInt(Integer::intValue)
                            .min()
                            .orElseThrow());
            assertEquals(
                    600,
                    totals.rejectLines.stream()
                            .mapToInt(Integer::intValue)
                            .max()
                            .orElseThrow());
        }
    }

    @Test
    void aPlanWhoseIndexDoesNotVouchForTheFileKeepsTheWorkersStartCheck() throws Exception {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 5);
        writeLateFirstDocument(in);
        try (ModelSimServer sim = sim()) {
            Path job = JobFiles.write(tmp.resolve("job"), in, out, sim.baseUrl(), 4);
            assertEquals(0, PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", ""));
            // as an index of an earlier version, which did not list the files it vouches for
            FileStorage output = new FileStorage(out);
            ObjectNode index = (ObjectNode) json.readTree(output.readAll(DuplicateIdIndex.INDEX_KEY));
            index.remove(DuplicateIdIndex.WAIVED_STARTS);
            output.put(DuplicateIdIndex.INDEX_KEY, json.writeValueAsBytes(index));
            int lateShard = new ShardManifest(json)
                    .read(output).stream()
                            .filter(s -> s.files().stream().map(ShardFile::key).anyMatch("late.jsonl"::equals))
                            .mapToInt(Shard::index)
                            .findFirst()
                            .orElseThrow();

            CliRun run = CliRun.of(
                    "run", "-f", job.toString(), "--shard", String.valueOf(lateShard), "--termination-log", "");

            assertEquals(ExitCodes.BAD_DATA, run.exit(), run.err());
            assertTrue(run.err().contains("none of the first 100 lines of"), run.err());
            assertFalse(output.exists(String.format("_palimpsest/receipts/shard-%05d.json", lateShard)));
        }
    }

    /** What the committed shards hold, over all of them. */
    private static final class Totals {
        long read;
        final Map<String, Integer> written = new HashMap<>();
        final Map<String, Long> rejectedByReason = new HashMap<>();
        /** The lines of the rejects, in shard order. */
        final List<Integer> rejectLines = new ArrayList<>();
    }

    /** Runs every shard of the plan (each must commit) and adds up what they committed, checking each receipt's sum. */
    private Totals runEveryShard(Path job, FileStorage output) throws IOException {
        Totals totals = new Totals();
        for (Shard shard : new ShardManifest(json).read(output)) {
            CliRun run = CliRun.of(
                    "run", "-f", job.toString(), "--shard", String.valueOf(shard.index()), "--termination-log", "");
            assertEquals(0, run.exit(), "shard " + shard.index() + ": " + run.err());
            String name = String.format("shard-%05d", shard.index());
            Outputs.ids(output, "plain/" + name + ".jsonl.zst")
                    .forEach(id -> totals.written.merge(id, 1, Integer::sum));
            if (output.exists("_palimpsest/rejects/" + name + ".jsonl.zst")) {
                for (JsonNode reject : Outputs.read(output, "_palimpsest/rejects/" + name + ".jsonl.zst")) {
                    totals.rejectedByReason.merge(reject.path("reason").asText(), 1L, Long::sum);
                    totals.rejectLines.add(reject.path("line").asInt());
                }
            }
            JsonNode counts = json.readTree(output.readAll("_palimpsest/receipts/" + name + ".json"))
                    .path("counts");
            assertEquals(
                    counts.path("read").asLong(),
                    counts.path("written").asLong()
                            + counts.path("rejected").asLong()
                            + counts.path("skipped").asLong(),
                    name + ": " + counts);
            totals.read += counts.path("read").asLong();
        }
        return totals;
    }

    private static ModelSimServer sim() throws IOException {
        return ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0);
    }
}
