package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.Outputs;
import io.palimpsest.worker.testing.UppercaseProcessor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardRunnerTest {

    private static final int EVERY = 25;
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;
    private Path in;
    private Path out;
    private List<String> goodIds;
    private Shard shard;

    @BeforeEach
    void corpus() throws IOException {
        in = dir.resolve("in");
        out = dir.resolve("out");
        goodIds = new ArrayList<>(Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 120));
        goodIds.addAll(Corpus.writeJsonl(in.resolve("b.jsonl"), "b", 80));
        Files.writeString(in.resolve("b.jsonl"), String.join("\n",
                "{\"id\":\"a-3\",\"text\":\"a duplicate id\"}",
                "{\"id\":\"broken\",\"text\":",
                "{\"id\":\"empty\",\"text\":\"\"}", ""), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        shard = new ShardPlanner(new ShardingPolicy(2, null)).plan(new FileStorage(in).list("")).get(0);
    }

    @Test
    void everyItemIsWrittenRejectedOrSkippedExactlyOnce() throws IOException {
        ShardRunner.Report report = runner(new UppercaseProcessor(), "w1").run(shard);

        assertEquals(ExitCodes.DONE, report.exitCode());
        ShardSummary summary = report.summary();
        assertEquals(ShardSummary.Outcome.committed, summary.getOutcome());
        assertEquals(203, summary.getRead());
        assertEquals(200, summary.getWritten());
        assertEquals(1, summary.getRejected());
        assertEquals(2, summary.getSkipped());
        FileStorage output = new FileStorage(out);
        assertEquals(goodIds, Outputs.ids(output, "upper/shard-00000.jsonl.zst"));
        List<JsonNode> rejects = Outputs.read(output, "_palimpsest/rejects/shard-00000.jsonl.zst");
        assertEquals(List.of("duplicate_id", "malformed_json", "empty_text"), rejects.stream().map(r -> r.path("reason").asText()).toList());
        assertEquals("b.jsonl", rejects.get(1).path("file").asText());
        assertEquals(82, rejects.get(1).path("line").asInt());
        assertFalse(output.exists("_palimpsest/checkpoints/shard-00000/part-000000.json"), "checkpoints are removed after commit");
        Receipt receipt = json.readValue(output.readAll("_palimpsest/receipts/shard-00000.json"), Receipt.class);
        assertEquals(200, receipt.outputs().get("upper").records());
        assertEquals(9, receipt.parts());
    }

    @Test
    void aCommittedShardIsNeverRedone() throws IOException {
        runner(new UppercaseProcessor(), "w1").run(shard);
        UppercaseProcessor second = new UppercaseProcessor();
        ShardRunner.Report again = runner(second, "w2").run(shard);
        assertEquals(ShardSummary.Outcome.alreadyCommitted, again.summary().getOutcome());
        assertEquals(ExitCodes.DONE, again.exitCode());
        assertEquals(0, second.calls.get());
        assertEquals(200, again.summary().getWritten());
    }

    @Test
    void anInterruptedRunResumesAfterItsCommittedParts() throws IOException {
        UppercaseProcessor failing = new UppercaseProcessor(doc -> doc.id().equals("a-90")
                ? new ModelUnavailableException("model gone", null) : null);
        ShardRunner.Report first = runner(failing, "w1").run(shard);
        assertEquals(ExitCodes.MODEL_UNREACHABLE, first.exitCode());
        assertFalse(new FileStorage(out).exists("_palimpsest/receipts/shard-00000.json"));

        UppercaseProcessor resumed = new UppercaseProcessor();
        ShardRunner.Report second = runner(resumed, "w2").run(shard);
        assertEquals(ShardSummary.Outcome.committed, second.summary().getOutcome());
        assertTrue(resumed.calls.get() <= 200 - 75, "resumed from the last part before a-90, redid " + resumed.calls.get());
        List<String> ids = Outputs.ids(new FileStorage(out), "upper/shard-00000.jsonl.zst");
        assertEquals(goodIds, ids, "no document lost or duplicated across the two attempts");
        Receipt receipt = json.readValue(new FileStorage(out).readAll("_palimpsest/receipts/shard-00000.json"), Receipt.class);
        assertTrue(receipt.timings().resumedFromItem() >= 75);
    }

    @Test
    void twinAttemptsCommitExactlyOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            Path roundOut = dir.resolve("twins-" + round);
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<ShardRunner.Report>> twins = new ArrayList<>();
            for (String writer : List.of("twin-a", "twin-b")) {
                ShardRunner runner = runner(new UppercaseProcessor(), writer, roundOut);
                twins.add(CompletableFuture.supplyAsync(() -> {
                    awaitQuietly(start);
                    return runner.run(shard);
                }));
            }
            start.countDown();
            List<ShardSummary.Outcome> outcomes = new ArrayList<>();
            for (CompletableFuture<ShardRunner.Report> twin : twins) {
                ShardRunner.Report report = twin.get();
                assertEquals(ExitCodes.DONE, report.exitCode(), String.valueOf(report.summary().getMessage()));
                outcomes.add(report.summary().getOutcome());
            }
            assertEquals(1, outcomes.stream().filter(o -> o == ShardSummary.Outcome.committed).count(), "outcomes " + outcomes);
            List<String> ids = Outputs.ids(new FileStorage(roundOut), "upper/shard-00000.jsonl.zst");
            assertEquals(goodIds, ids);
            assertEquals(ids.size(), new HashSet<>(ids).size());
        }
    }

    private ShardRunner runner(DocumentProcessor processor, String writer) {
        return runner(processor, writer, out);
    }

    private ShardRunner runner(DocumentProcessor processor, String writer, Path output) {
        try {
            DocumentReaders readers = new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
            RunSettings settings = new RunSettings(0, writer, EVERY, EVERY + 10, Compression.ZSTD, "job", "uid", "sha256:x", "model",
                    Files.createTempDirectory(dir, "tmp"), RunSettings.DEFAULT_ATTEMPTS_PER_SHARD, false);
            return new ShardRunner(new FileStorage(in), new FileStorage(output), readers, processor, settings, json, new RunProgress());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
