package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    record Run(int exit, String err) {}

    private static Run cli(String... args) {
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(PalimpsestCli.execute(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(before);
        }
    }

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

        Run local = cli("local", "-f", job.toString(), "--simulate");

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
        assertTrue(reject.path("detail").asText().contains("appeared first in shard 0"), reject.toString());
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

        Run again = cli("plan", "-f", job.toString());
        assertEquals(0, again.exit(), again.err());
        assertFalse(again.err().contains("duplicate ids:"), "the kept plan keeps its index: " + again.err());
    }

    @Test
    void aWorkerRefusesAPlanWhoseDuplicateIndexIsMissing() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 5);
        Corpus.writeJsonl(in.resolve("b.jsonl"), "b", 5);
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);
        assertEquals(0, cli("plan", "-f", job.toString()).exit());
        Files.delete(out.resolve(DuplicateIdIndex.INDEX_KEY));

        Run run = cli(
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
                ExitCodes.DONE, cli("local", "-f", job.toString(), "--simulate").exit());
        byte[] receipt = Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"));
        Files.writeString(job, Files.readString(job).replace("seed: 1}", "seed: 2}"));

        Run run = cli(
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
}
