package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run commits one document as a model_error reject (its server failed every call); once the server
 * is well, {@code retry-rejects --reason model_error} runs that document alone into a retry round and
 * leaves every file the run committed as it was. A second call finds nothing left to retry. {@code tally}
 * and {@code show} then take the round's result for that document.
 */
class RetryRejectsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aModelErrorRejectIsRunAgainIntoARoundOfItsOwn() throws Exception {
        List<String> ids = Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 30);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(
                rules,
                "rules:\n  - name: poison\n    match: 'record number 7\\.'\n    on: document\n    fault: server_error\n");
        Path job;
        FileStorage out = new FileStorage(dir.resolve("out"));
        try (ModelSimServer failing = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .zeroLatency()
                        .rulesFile(rules)
                        .build(),
                "127.0.0.1",
                0)) {
            job = JobFiles.write(dir.resolve("job"), dir.resolve("in"), dir.resolve("out"), failing.baseUrl(), 16);
            Files.writeString(
                    job,
                    Files.readString(job).replace("  workers:\n", "  retry:\n    attemptsPerShard: 1\n  workers:\n"));
            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "local", "-f", job.toString(), "--backoff-base", "PT0.005S", "--backoff-cap", "PT0.05S"));
        }
        List<JsonNode> rejects = Outputs.read(out, "_palimpsest/rejects/shard-00000.jsonl.zst");
        assertEquals(1, rejects.size());
        assertEquals("model_error", rejects.get(0).path("reason").asText());
        byte[] receipt = out.readAll("_palimpsest/receipts/shard-00000.json");
        byte[] written = out.readAll("plain/shard-00000.jsonl.zst");
        byte[] rejectsFile = out.readAll("_palimpsest/rejects/shard-00000.jsonl.zst");

        try (ModelSimServer well = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "retry-rejects",
                            "-f",
                            job.toString(),
                            "--reason",
                            "truncation",
                            "--endpoint",
                            well.baseUrl()),
                    "another reason: nothing chosen");
            assertFalse(out.exists("retries/round-001-input/documents.jsonl"));
            for (String notAReject : List.of("truncated", "empty_text")) {
                assertEquals(
                        2,
                        PalimpsestCli.execute(
                                "retry-rejects",
                                "-f",
                                job.toString(),
                                "--reason",
                                "model_error," + notAReject,
                                "--endpoint",
                                well.baseUrl()),
                        notAReject + ": a usage error, not a run that found nothing to retry");
                assertFalse(out.exists("retries/round-001-input/documents.jsonl"));
            }

            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "retry-rejects",
                            "-f",
                            job.toString(),
                            "--reason",
                            "model_error",
                            "--endpoint",
                            well.baseUrl()));
            assertEquals(List.of("doc-7"), Outputs.ids(out, "retries/round-001-input/documents.jsonl"));
            JsonNode round = JSON.readTree(out.readAll("retries/round-001/_palimpsest/receipts/shard-00000.json"));
            assertEquals(1, round.at("/counts/read").asLong());
            assertEquals(1, round.at("/counts/written").asLong());
            assertEquals(0, round.at("/counts/rejected").asLong());
            assertEquals(List.of("doc-7"), Outputs.ids(out, "retries/round-001/plain/shard-00000.jsonl.zst"));
            assertEquals(1, well.requestLog().completions().size(), "only the chosen document was sent");

            assertArrayEquals(
                    receipt, out.readAll("_palimpsest/receipts/shard-00000.json"), "the run's commit is untouched");
            assertArrayEquals(written, out.readAll("plain/shard-00000.jsonl.zst"));
            assertArrayEquals(rejectsFile, out.readAll("_palimpsest/rejects/shard-00000.jsonl.zst"));

            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "retry-rejects",
                            "-f",
                            job.toString(),
                            "--reason",
                            "model_error",
                            "--endpoint",
                            well.baseUrl()),
                    "nothing left to retry");
            assertFalse(out.exists("retries/round-002-input/documents.jsonl"));
            assertEquals(1, well.requestLog().completions().size());
        }
        List<String> everyId = new ArrayList<>(Outputs.ids(out, "plain/shard-00000.jsonl.zst"));
        everyId.addAll(Outputs.ids(out, "retries/round-001/plain/shard-00000.jsonl.zst"));
        assertEquals(
                ids.stream().sorted().toList(), everyId.stream().sorted().toList(), "run + round: every document once");

        // readers of the output take the run, then the round: the document the round wrote is written
        JsonNode tally = JSON.readTree(stdout(() -> PalimpsestCli.execute(
                "tally",
                "-f",
                job.toString(),
                "--termination-log",
                dir.resolve("tally.json").toString())));
        assertEquals(30, tally.path("read").asLong(), tally.toString());
        assertEquals(30, tally.path("written").asLong(), tally.toString());
        assertEquals(0, tally.path("rejected").asLong(), tally.toString());
        assertEquals(1, tally.path("receipts").asLong(), "the run's receipts: " + tally);
        assertEquals(1, tally.path("retryRounds").asLong(), tally.toString());
        assertEquals(30, tally.at("/writtenByVariant/plain").asLong(), tally.toString());
        assertFalse(tally.path("rejectedByReason").has("model_error"), tally.toString());

        String shown =
                stdout(() -> PalimpsestCli.execute("show", dir.resolve("out").toString(), "--id", "doc-7"));
        assertTrue(shown.contains("-- plain (retry round 1): written"), shown);
        assertFalse(shown.contains("model_error"), shown);
    }

    private static String stdout(IntSupplier command) {
        PrintStream before = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, command.getAsInt());
        } finally {
            System.setOut(before);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
