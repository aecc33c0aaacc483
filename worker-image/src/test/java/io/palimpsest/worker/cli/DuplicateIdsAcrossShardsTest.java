package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same id in two input files (two shards), through the real CLI: the shard first in the plan
 * writes it, the other rejects it as {@code duplicate_id}, and every shard's counts still add up.
 */
class DuplicateIdsAcrossShardsTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theShardFirstInThePlanWritesTheIdAndTheOtherRejectsIt() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 10);
        // b.jsonl is larger, so the plan (largest first) makes it shard 0 although "a" sorts first
        Corpus.writeJsonl(in.resolve("b.jsonl"), "b", 30);
        Files.writeString(
                in.resolve("a.jsonl"),
                "{\"id\":\"shared\",\"text\":\"the copy in a\"}\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Files.writeString(
                in.resolve("b.jsonl"),
                "{\"id\":\"shared\",\"text\":\"the copy in b\"}\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);

        CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate");

        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        assertTrue(local.err().contains("1 id(s) repeat one in an earlier shard (1 shard(s))"), local.err());
        FileStorage output = new FileStorage(out);
        List<String> first = Outputs.ids(output, "plain/shard-00000.jsonl.zst");
        List<String> second = Outputs.ids(output, "plain/shard-00001.jsonl.zst");
        assertTrue(first.contains("shared") && first.contains("b-0"), "shard 0 is b.jsonl and keeps the id: " + first);
        assertFalse(second.contains("shared"), "shard 1 is a.jsonl: " + second);
        assertEquals(10, second.size());
        List<JsonNode> rejects = Outputs.read(output, "_palimpsest/rejects/shard-00001.jsonl.zst");
        assertEquals(1, rejects.size(), rejects.toString());
        JsonNode reject = rejects.get(0);
        assertEquals("duplicate_id", reject.path("reason").asText());
        assertEquals("shared", reject.path("id").asText());
        assertEquals("a.jsonl", reject.path("file").asText());
        assertEquals(11, reject.path("line").asInt());
        assertEquals(
                "id 'shared' appeared first in shard 0, at b.jsonl:31 (the first occurrence in the plan wins)",
                reject.path("detail").asText(),
                reject.toString());
        for (int shard = 0; shard < 2; shard++) {
            JsonNode counts = json.readTree(
                            output.readAll(String.format("_palimpsest/receipts/shard-%05d.json", shard)))
                    .path("counts");
            assertEquals(
                    counts.path("read").asLong(),
                    counts.path("written").asLong()
                            + counts.path("rejected").asLong()
                            + counts.path("skipped").asLong(),
                    "shard " + shard + ": " + counts);
            assertEquals(shard == 0 ? 31 : 11, counts.path("read").asLong());
            assertEquals(shard == 0 ? 0 : 1, counts.path("rejected").asLong());
        }

        CliRun again = CliRun.of("plan", "-f", job.toString());
        assertEquals(0, again.exit(), again.err());
        assertFalse(again.err().contains("duplicate ids:"), "the kept plan keeps its index: " + again.err());
    }

    /**
     * A repeat within one file is found by the planner's pass too, and the worker takes it from the
     * shard's list (in item order, beside its input) instead of remembering every id it read: its
     * memory does not grow with the shard.
     */
    @Test
    void anIdRepeatedWithinAShardIsTakenFromThePlansListInItemOrder() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 10);
        Corpus.writeJsonl(in.resolve("b.jsonl"), "b", 5);
        Files.writeString(
                in.resolve("a.jsonl"),
                "{\"id\":\"a-3\",\"text\":\"the second a-3\"}\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Files.writeString(
                in.resolve("b.jsonl"),
                "{\"id\":\"a-3\",\"text\":\"the third a-3\"}\n{\"id\":\"b-1\",\"text\":\"the second b-1\"}\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);

        CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate");

        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        assertTrue(
                local.err().contains("2 document(s) repeat an id earlier in their own shard, rejected as duplicate_id"),
                local.err());
        FileStorage output = new FileStorage(out);
        byte[] manifest = output.readAll("_palimpsest/manifest.jsonl");
        DuplicateIdIndex index = new DuplicateIdIndex(json);
        assertEquals(List.of(new DuplicateIdIndex.Repeat(10, "a-3", 0)), index.listed(output, manifest, 0));
        assertEquals(
                List.of(new DuplicateIdIndex.Repeat(5, "a-3", 0), new DuplicateIdIndex.Repeat(6, "b-1", 1)),
                index.listed(output, manifest, 1));
        assertEquals(10, Outputs.ids(output, "plain/shard-00000.jsonl.zst").size());
        assertEquals(5, Outputs.ids(output, "plain/shard-00001.jsonl.zst").size());
        List<JsonNode> within = Outputs.read(output, "_palimpsest/rejects/shard-00000.jsonl.zst");
        assertEquals(1, within.size(), within.toString());
        assertEquals(11, within.get(0).path("line").asInt());
        assertEquals(
                "id 'a-3' appeared earlier in this shard, at a.jsonl:4 (the first copy, which is kept)",
                within.get(0).path("detail").asText(),
                within.toString());
        List<JsonNode> later = Outputs.read(output, "_palimpsest/rejects/shard-00001.jsonl.zst");
        assertEquals(
                List.of(
                        "6: id 'a-3' appeared first in shard 0, at a.jsonl:4",
                        "7: id 'b-1' appeared earlier in this shard, at b.jsonl:2"),
                later.stream()
                        .map(r -> r.path("line").asInt() + ": "
                                + r.path("detail").asText().replaceAll(" \\(the first.*", ""))
                        .sorted()
                        .toList());
    }

    /**
     * Input with an id repeated within shard 0 ({@code a-3}, items 3 and 10), the same id in shard 1 (item 5) and an
     * id repeated within shard 1 ({@code b-1}, items 1 and 6).
     */
    private Path repeatsWithinAndAcrossShards(Path in, Path out, String endpoint) throws IOException {
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 10);
        Corpus.writeJsonl(in.resolve("b.jsonl"), "b", 5);
        Files.writeString(
                in.resolve("a.jsonl"),
                "{\"id\":\"a-3\",\"text\":\"the second a-3\"}\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Files.writeString(
                in.resolve("b.jsonl"),
                "{\"id\":\"a-3\",\"text\":\"the third a-3\"}\n{\"id\":\"b-1\",\"text\":\"the second b-1\"}\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        return JobFiles.write(tmp.resolve("job"), in, out, endpoint, 8);
    }

    /**
     * Turns a plan into what the release before the items index left: {@code _palimpsest/duplicates/index.json} and,
     * per shard, the ids first seen in an earlier shard ({"id", "first"}), nothing of the repeats within a shard (its
     * workers found those in memory).
     */
    private void asPlannedByTheEarlierVersion(Path out) throws IOException {
        byte[] manifest = Files.readAllBytes(out.resolve("_palimpsest/manifest.jsonl"));
        String hash = java.util.HexFormat.of().formatHex(sha256(manifest));
        Path duplicates = out.resolve("_palimpsest/duplicates");
        try (var paths = Files.walk(duplicates)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        Path lists = Files.createDirectories(duplicates.resolve(hash.substring(0, 16)));
        Files.writeString(lists.resolve("shard-00001.jsonl"), "{\"id\":\"a-3\",\"first\":0}\n");
        Files.writeString(
                duplicates.resolve("index.json"),
                "{\"manifestSha256\":\"" + hash + "\",\"shards\":2,\"documents\":18,\"duplicates\":1,"
                        + "\"shardsWithDuplicates\":1,\"unreadableShards\":[],\"lists\":\"_palimpsest/duplicates/"
                        + hash.substring(0, 16) + "/\"}");
    }

    private static byte[] sha256(byte[] content) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(content);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What the release before the items index made of {@link #repeatsWithinAndAcrossShards}: the same documents.
     * {@code acrossShards} is the reject of the id first seen in shard 0: a list made from the earlier index names
     * only that shard, one the planner of this version made names the copy's file and line too.
     */
    private void assertTheRepeatsAreRejectedAsBefore(Path out, String acrossShards) throws IOException {
        FileStorage output = new FileStorage(out);
        assertEquals(10, Outputs.ids(output, "plain/shard-00000.jsonl.zst").size());
        assertEquals(5, Outputs.ids(output, "plain/shard-00001.jsonl.zst").size());
        List<JsonNode> within = Outputs.read(output, "_palimpsest/rejects/shard-00000.jsonl.zst");
        assertEquals(1, within.size(), within.toString());
        assertEquals(11, within.get(0).path("line").asInt());
        assertEquals("duplicate_id", within.get(0).path("reason").asText(), within.toString());
        List<JsonNode> later = Outputs.read(output, "_palimpsest/rejects/shard-00001.jsonl.zst");
        assertEquals(
                List.of(acrossShards, "7: id 'b-1' appeared earlier in this shard, at b.jsonl:2"),
                later.stream()
                        .map(r -> r.path("line").asInt() + ": "
                                + r.path("detail").asText().replaceAll(" \\(the first.*", ""))
                        .sorted()
                        .toList());
        for (int shard = 0; shard < 2; shard++) {
            JsonNode counts = json.readTree(Files.readAllBytes(
                            out.resolve(String.format("_palimpsest/receipts/shard-%05d.json", shard))))
                    .path("counts");
            assertEquals(shard == 0 ? 11 : 7, counts.path("read").asLong(), counts.toString());
            assertEquals(
                    counts.path("read").asLong(),
                    counts.path("written").asLong()
                            + counts.path("rejected").asLong()
                            + counts.path("skipped").asLong(),
                    counts.toString());
            assertEquals(shard == 0 ? 1 : 2, counts.path("rejected").asLong(), counts.toString());
        }
    }

    @Test
    void aWorkerRunsAPlanOfTheEarlierVersionFindingItsShardsRepeatsItself() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(DuplicateIdIndex.class.getName());
        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(handler);
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            Path job = repeatsWithinAndAcrossShards(in, out, sim.baseUrl());
            assertEquals(
                    0,
                    CliRun.of("plan", "-f", job.toString(), "--termination-log", "")
                            .exit());
            asPlannedByTheEarlierVersion(out);

            for (int shard = 0; shard < 2; shard++) {
                logged.clear();
                CliRun run = CliRun.of(
                        "run", "-f", job.toString(), "--shard", String.valueOf(shard), "--termination-log", "");
                assertEquals(ExitCodes.DONE, run.exit(), run.err());
                assertEquals(1, logged.size(), logged.toString());
                assertTrue(
                        logged.get(0)
                                        .startsWith(String.format(
                                                "shard-%05d: the plan was made by an earlier version", shard))
                                && logged.get(0)
                                        .contains("the ids repeated within this shard are found by reading it once more"
                                                + " before the run"),
                        logged.toString());
            }
            logged.clear();
            CliRun again = CliRun.of("run", "-f", job.toString(), "--shard", "1", "--termination-log", "");
            assertEquals(ExitCodes.DONE, again.exit(), again.err());
            assertEquals(List.of(), logged, "a committed shard is not read again to list its repeats");
        } finally {
            logger.removeHandler(handler);
        }
        assertTheRepeatsAreRejectedAsBefore(out, "6: id 'a-3' appeared first in shard 0");
        assertFalse(Files.exists(out.resolve(DuplicateIdIndex.INDEX_KEY)), "a worker does not change the plan");
    }

    @Test
    void localRunsAPlanOfTheEarlierVersionAddingTheItemsIndex() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Path job = repeatsWithinAndAcrossShards(in, out, "http://127.0.0.1:9");
        assertEquals(
                0,
                CliRun.of("plan", "-f", job.toString(), "--termination-log", "").exit());
        byte[] manifest = Files.readAllBytes(out.resolve("_palimpsest/manifest.jsonl"));
        asPlannedByTheEarlierVersion(out);

        CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate");

        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        assertTrue(Arrays.equals(manifest, Files.readAllBytes(out.resolve("_palimpsest/manifest.jsonl"))));
        assertTrue(Files.exists(out.resolve(DuplicateIdIndex.INDEX_KEY)), "planning again added the items index");
        assertTheRepeatsAreRejectedAsBefore(out, "6: id 'a-3' appeared first in shard 0, at a.jsonl:4");
    }

    @Test
    void aListedRepeatThatIsNotTheDocumentThereFailsTheShardAsChangedInput() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Files.createDirectories(in);
        Files.writeString(
                in.resolve("a.jsonl"),
                "{\"id\":\"x\",\"text\":\"one\"}\n{\"id\":\"x\",\"text\":\"two\"}\n",
                StandardCharsets.UTF_8);
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);
        assertEquals(0, CliRun.of("plan", "-f", job.toString()).exit());
        FileTime planned = Files.getLastModifiedTime(in.resolve("a.jsonl"));
        // the same size, rewritten in place and its time set back (as cp -p can leave it), so the plan's size and
        // version checks pass: only the list can tell
        Files.writeString(
                in.resolve("a.jsonl"),
                "{\"id\":\"x\",\"text\":\"one\"}\n{\"id\":\"y\",\"text\":\"two\"}\n",
                StandardCharsets.UTF_8);
        Files.setLastModifiedTime(in.resolve("a.jsonl"), planned);

        CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate");

        assertEquals(ExitCodes.BAD_DATA, local.exit(), local.err());
        assertTrue(
                local.err()
                        .contains("item 1 of shard 0 is a document with id 'y', but when the job was planned it was"
                                + " a document with id 'x'"),
                local.err());
        assertTrue(local.err().contains("the input changed since it was planned"), local.err());
        assertFalse(Files.exists(out.resolve("_palimpsest/receipts/shard-00000.json")), "nothing committed");
    }

    @Test
    void aWorkerRefusesAPlanWhoseDuplicateIndexIsMissing() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 5);
        Corpus.writeJsonl(in.resolve("b.jsonl"), "b", 5);
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);
        assertEquals(0, CliRun.of("plan", "-f", job.toString()).exit());
        Files.delete(out.resolve(DuplicateIdIndex.INDEX_KEY));

        CliRun run = CliRun.of(
                "run",
                "-f",
                job.toString(),
                "--shard",
                "1",
                "--termination-log",
                tmp.resolve("termination").toString());

        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(run.err().contains("has no duplicate-id index"), run.err());
        assertFalse(Files.exists(out.resolve("_palimpsest/receipts")), "nothing committed");
        assertFalse(Files.exists(out.resolve("_palimpsest/checkpoints")), "nothing checkpointed");
    }

    @Test
    void aWorkerStartedByHandRefusesAnOutputMadeWithAnotherRecipe() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 5);
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);
        assertEquals(
                ExitCodes.DONE,
                CliRun.of("local", "-f", job.toString(), "--simulate").exit());
        byte[] receipt = Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"));
        Files.writeString(job, Files.readString(job).replace("seed: 1}", "seed: 2}"));

        CliRun run = CliRun.of(
                "run",
                "-f",
                job.toString(),
                "--shard",
                "0",
                "--termination-log",
                tmp.resolve("termination").toString());

        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(run.err().contains("recipe drift: "), run.err());
        assertTrue(
                Arrays.equals(receipt, Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"))),
                "the old recipe's receipt is not reported as this recipe's work, nor touched");
    }

    @Test
    void aWorkerRefusesAnOutputALaterVersionWroteInAnotherFormat() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 5);
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);
        assertEquals(
                ExitCodes.DONE,
                CliRun.of("local", "-f", job.toString(), "--simulate").exit());
        byte[] receipt = Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"));
        Path marker = out.resolve("_palimpsest/recipe.json");
        Files.writeString(marker, Files.readString(marker).replace("\"format\":1", "\"format\":2"));
        Path termination = tmp.resolve("termination");

        CliRun run =
                CliRun.of("run", "-f", job.toString(), "--shard", "0", "--termination-log", termination.toString());

        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(run.err().contains("was written in format 2 by a later version of Palimpsest"), run.err());
        // the shard's summary says so, as for a drift: the operator fails the job OutputDrift with the message
        String summary = Files.readString(termination);
        assertTrue(summary.contains("output_drift") && summary.contains("format 2"), summary);
        assertTrue(
                Arrays.equals(receipt, Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"))),
                "the later version's receipt is neither reported nor touched");
    }

    @Test
    void anOutputMadeWithAnotherModelIsRefusedByThePlanAndByAWorkerStartedByHand() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 5);
        Corpus.writeJsonl(in.resolve("b.jsonl"), "b", 8);
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);
        assertEquals(
                ExitCodes.DONE,
                CliRun.of("local", "-f", job.toString(), "--simulate").exit());
        byte[] receipt = Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"));
        byte[] marker = Files.readAllBytes(out.resolve("_palimpsest/recipe.json"));
        assertEquals("sim", json.readTree(marker).path("model").asText(), "the marker names the model");
        Files.writeString(job, Files.readString(job).replace("servedModelName: sim", "servedModelName: other"));

        CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate");
        CliRun run = CliRun.of(
                "run",
                "-f",
                job.toString(),
                "--shard",
                "0",
                "--termination-log",
                tmp.resolve("termination").toString());

        // locally, at the line of the RewriterModel's field that names it
        int line = Files.readAllLines(job).indexOf("  servedModelName: other") + 1;
        assertTrue(local.err().contains(job + ":" + line + ": spec.servedModelName: model drift: "), local.err());
        for (CliRun refused : List.of(local, run)) {
            assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
            assertTrue(
                    refused.err().contains("model drift: ")
                            && refused.err().contains("made with model 'sim', this job's model is 'other'"),
                    refused.err());
            assertTrue(refused.err().contains("--accept-recipe-change"), refused.err());
        }
        // the worker's summary tells the operator why (a RewriterModel's servedModelName edited mid-campaign)
        ShardSummary summary = json.readValue(Files.readString(tmp.resolve("termination")), ShardSummary.class);
        assertEquals(ShardSummary.Outcome.modelConfig, summary.getOutcome());
        assertEquals(ShardReason.OUTPUT_DRIFT.code(), summary.getReason());
        assertEquals(0, summary.getShard());
        assertTrue(summary.getMessage().startsWith("model drift: "), summary.getMessage());
        assertTrue(
                summary.getMessage().contains("palimpsest plan --accept-recipe-change"),
                "by hand, the command that accepts it: " + summary.getMessage());
        assertTrue(
                Arrays.equals(receipt, Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"))),
                "the other model's receipt is not reported as this model's work, nor touched");
        assertTrue(Arrays.equals(marker, Files.readAllBytes(out.resolve("_palimpsest/recipe.json"))));

        CliRun accepted = CliRun.of("local", "-f", job.toString(), "--simulate", "--accept-recipe-change");
        assertEquals(ExitCodes.DONE, accepted.exit(), accepted.err());
        assertEquals(
                "other",
                json.readTree(Files.readAllBytes(out.resolve("_palimpsest/recipe.json")))
                        .path("model")
                        .asText(),
                "the accepted model is recorded");
    }

    /**
     * In a worker the operator started, the drift refusal advises what the user can do there (a new
     * RewriteJob into another output), never a flag of a command line the operator runs.
     */
    @Test
    void aWorkerInAPodAdvisesANewOutputNotACommandLineFlag() {
        OutputDriftException drift = new OutputDriftException(
                "model drift: s3://out/ was made with model 'sim', this job's model is 'other'",
                "write to a new output, or plan it again with `palimpsest plan --accept-recipe-change`");
        ShardSummary inPod = RunCommand.outputDrift(4, 2, drift, true).summary();
        assertEquals(ShardReason.OUTPUT_DRIFT.code(), inPod.getReason());
        assertEquals(4, inPod.getShard());
        assertEquals(
                "model drift: s3://out/ was made with model 'sim', this job's model is 'other'; write to a new output"
                        + " (a new RewriteJob with another spec.output.uri)",
                inPod.getMessage());
        assertEquals(
                ExitCodes.INVALID_JOB, RunCommand.outputDrift(4, 2, drift, true).exitCode());
        assertTrue(RunCommand.outputDrift(4, 2, drift, false)
                .summary()
                .getMessage()
                .contains("--accept-recipe-change"));
    }

    /** Two files whose records have unique {@code id}s and a {@code doc} field shared across the files. */
    private Path twoFilesWithAnotherIdField(Path in) throws IOException {
        Files.createDirectories(in);
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            a.append("{\"id\":\"a-%d\",\"doc\":\"d-%d\",\"text\":\"Text a %d.\",\"title\":\"Title a %d.\"}\n"
                    .formatted(i, i, i, i));
            b.append("{\"id\":\"b-%d\",\"doc\":\"d-%d\",\"text\":\"Text b %d, longer.\",\"title\":\"Title b %d.\"}\n"
                    .formatted(i, i, i, i));
        }
        Files.writeString(in.resolve("a.jsonl"), a);
        Files.writeString(in.resolve("b.jsonl"), b);
        return in;
    }

    @Test
    void anIdFieldChangedBeforeAnyWorkIsPlannedAndIndexedTheNewWay() throws IOException {
        Path in = twoFilesWithAnotherIdField(tmp.resolve("in"));
        Path out = tmp.resolve("out");
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);
        CliRun first = CliRun.of("plan", "-f", job.toString());
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.err().contains("duplicate ids: none across shards"), first.err());
        Files.writeString(job, Files.readString(job).replace("  input:\n", "  input:\n    idField: doc\n"));

        CliRun again = CliRun.of("plan", "-f", job.toString());

        assertEquals(0, again.exit(), again.err());
        assertTrue(again.err().contains("input.idField 'id' -> 'doc'"), again.err());
        assertTrue(
                again.err().contains("6 id(s) repeat one in an earlier shard"),
                "the index is made again by the new id field, not kept from the old one: " + again.err());
        assertEquals(
                "doc",
                json.readTree(Files.readAllBytes(out.resolve("_palimpsest/input.json")))
                        .path("idField")
                        .asText());
    }

    @Test
    void anIdFieldOrTextFieldChangedOnceShardsAreCommittedIsRefused() throws IOException {
        Path in = twoFilesWithAnotherIdField(tmp.resolve("in"));
        Path out = tmp.resolve("out");
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);
        assertEquals(
                ExitCodes.DONE,
                CliRun.of("local", "-f", job.toString(), "--simulate").exit());
        String original = Files.readString(job);
        byte[] receipt = Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00001.json"));
        byte[] recorded = Files.readAllBytes(out.resolve("_palimpsest/input.json"));
        // the second shard is made again by hand, as the cluster's worker would after a lost receipt
        Files.delete(out.resolve("_palimpsest/receipts/shard-00001.json"));

        for (String[] change : new String[][] {
            {"    idField: doc\n", "input.idField 'id' -> 'doc'"},
            {"    textField: title\n", "input.textField 'text' -> 'title'"},
            {"    include: [\"b.jsonl\", \"a.jsonl\"]\n", "input.include [] -> [b.jsonl, a.jsonl]"}
        }) {
            Files.writeString(job, original.replace("  input:\n", "  input:\n" + change[0]));
            CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate");
            CliRun run = CliRun.of(
                    "run",
                    "-f",
                    job.toString(),
                    "--shard",
                    "1",
                    "--termination-log",
                    tmp.resolve("termination").toString());
            for (CliRun refused : List.of(local, run)) {
                assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
                assertTrue(refused.err().contains("input drift: "), refused.err());
                assertTrue(refused.err().contains(change[1]), change[1] + " named: " + refused.err());
                assertTrue(refused.err().contains("write to a new output"), refused.err());
            }
            assertFalse(Files.exists(out.resolve("_palimpsest/receipts/shard-00001.json")), "nothing committed");
            assertTrue(Arrays.equals(recorded, Files.readAllBytes(out.resolve("_palimpsest/input.json"))));
        }
        Files.writeString(job, original);
        CliRun back = CliRun.of("local", "-f", job.toString(), "--simulate");
        assertEquals(ExitCodes.DONE, back.exit(), back.err());
        assertEquals(
                json.readTree(receipt).path("counts"),
                json.readTree(Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00001.json")))
                        .path("counts"));
    }
}
