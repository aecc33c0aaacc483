package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.client.ModelConfigException;
import io.palimpsest.worker.client.ModelUnavailableException;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.plan.OutputShape;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.Outputs;
import io.palimpsest.worker.testing.TestRunSettings;
import io.palimpsest.worker.testing.UppercaseProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
        Files.writeString(
                in.resolve("b.jsonl"),
                String.join(
                        "\n",
                        "{\"id\":\"a-3\",\"text\":\"a duplicate id\"}",
                        "{\"id\":\"broken\",\"text\":",
                        "{\"id\":\"empty\",\"text\":\"\"}",
                        ""),
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        shard = new ShardPlanner(new ShardingPolicy(2, null))
                .plan(new FileStorage(in).list(""))
                .get(0);
    }

    @Test
    void everyItemIsWrittenRejectedOrSkippedExactlyOnce() throws IOException {
        ShardRunner.Report report = runner(new UppercaseProcessor(), "w1").run(shard);

        assertEquals(ExitCodes.DONE, report.exitCode());
        ShardSummary summary = report.summary();
        assertEquals(ShardSummary.Outcome.committed, summary.getOutcome());
        assertEquals(203, summary.getRead());
        assertEquals(200, summary.getWritten());
        assertEquals(2, summary.getRejected());
        assertEquals(1, summary.getSkipped());
        FileStorage output = new FileStorage(out);
        assertEquals(sorted(goodIds), sorted(Outputs.ids(output, "upper/shard-00000.jsonl.zst")));
        List<JsonNode> rejects = Outputs.read(output, "_palimpsest/rejects/shard-00000.jsonl.zst");
        assertEquals(
                List.of("duplicate_id", "empty_text", "malformed_json"),
                sorted(rejects.stream().map(r -> r.path("reason").asText()).toList()));
        JsonNode malformed = rejects.stream()
                .filter(r -> r.path("reason").asText().equals("malformed_json"))
                .findFirst()
                .orElseThrow();
        assertEquals("b.jsonl", malformed.path("file").asText());
        assertEquals(82, malformed.path("line").asInt());
        assertFalse(
                output.exists("_palimpsest/checkpoints/shard-00000/part-000000.json"),
                "checkpoints are removed after commit");
        Receipt receipt = json.readValue(output.readAll("_palimpsest/receipts/shard-00000.json"), Receipt.class);
        assertEquals(200, receipt.outputs().get("upper").records());
        assertEquals(9, receipt.parts());
        assertEquals(
                Map.of("duplicate_id", 1L, "malformed_json", 1L), receipt.counts().reasons, "reasons sum to rejected");
        assertEquals(Map.of("empty_text", 1L), receipt.counts().skipReasons, "and to skipped");
        assertEquals(Map.of("upper", 200L), receipt.counts().variants, "records written per variant");
        assertEquals(Map.of("upper", 200L), summary.getWrittenByVariant());
        assertEquals(
                Map.of("duplicate_id", 1L, "malformed_json", 1L),
                summary.getRejectedByReason(),
                "and the summary's rejects per reason");
    }

    /**
     * A receipt naming another plan than the one this attempt ran under (a run of an earlier plan committed after the
     * output was planned again) is not this shard's commit: the attempt fails naming it, leaves it as it is, and runs
     * nothing over it. A receipt of an earlier version, which names no plan, is taken as before.
     */
    @Test
    void aReceiptOfAnotherPlanIsNotTakenAsThisShardsCommit() throws IOException {
        FileStorage output = new FileStorage(out);
        output.put(ShardManifest.KEY, "{\"index\":0,\"plan\":\"first\"}\n".getBytes(StandardCharsets.UTF_8));
        String first = PlanIdentity.inForce(output);
        ShardRunner.Report committed = runner(new UppercaseProcessor(), "w1").run(shard, first);
        assertEquals(ExitCodes.DONE, committed.exitCode());
        String receiptKey = "_palimpsest/receipts/shard-00000.json";
        byte[] receipt = output.readAll(receiptKey);
        assertEquals(first, json.readValue(receipt, Receipt.class).planSha256(), "the receipt names its plan");
        output.put(ShardManifest.KEY, "{\"index\":0,\"plan\":\"second\"}\n".getBytes(StandardCharsets.UTF_8));
        String second = PlanIdentity.inForce(output);
        UppercaseProcessor processor = new UppercaseProcessor();

        ShardRunner.Report report = runner(processor, "w2").run(shard, second);

        assertEquals(ExitCodes.BAD_DATA, report.exitCode());
        ShardSummary summary = report.summary();
        assertEquals(ShardSummary.Outcome.badData, summary.getOutcome());
        assertEquals("plan_replaced", summary.getReason());
        assertTrue(
                summary.getMessage()
                        .startsWith(output.describe(receiptKey) + " names plan " + first + ", the plan in force is "
                                + second),
                summary.getMessage());
        assertEquals(0, summary.getRead(), "none of the other plan's counts");
        assertEquals(0, processor.calls.get(), "nothing run over it");
        assertArrayEquals(receipt, output.readAll(receiptKey), "left as it is");

        ObjectNode earlier = (ObjectNode) json.readTree(receipt);
        earlier.remove("planSha256");
        output.put(receiptKey, json.writeValueAsBytes(earlier));
        ShardRunner.Report before = runner(new UppercaseProcessor(), "w3").run(shard, second);
        assertEquals(ExitCodes.DONE, before.exitCode());
        assertEquals(ShardSummary.Outcome.alreadyCommitted, before.summary().getOutcome());
        assertEquals(203, before.summary().getRead());
    }

    @Test
    void idsThePlanFoundFirstInAnEarlierShardAreRejectedAsDuplicates() throws IOException {
        DocumentReaders readers = new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
        RunSettings settings =
                TestRunSettings.of(0, "w1", EVERY, EVERY + 10, Compression.ZSTD, Files.createTempDirectory(dir, "tmp"));
        UppercaseProcessor processor = new UppercaseProcessor();
        // "a-3" is also repeated within the shard; "not-here" is in no document of this shard
        ShardRunner runner = new ShardRunner(
                new FileStorage(in),
                new FileStorage(out),
                readers,
                processor,
                settings,
                json,
                new RunProgress(),
                () -> RepeatedIds.inMemory(Map.of("a-3", 4, "b-10", 7, "not-here", 1)));

        ShardRunner.Report report = runner.run(shard);

        assertEquals(
                ExitCodes.DONE,
                report.exitCode(),
                String.valueOf(report.summary().getMessage()));
        assertEquals(203, report.summary().getRead());
        assertEquals(198, report.summary().getWritten());
        assertEquals(4, report.summary().getRejected());
        assertEquals(1, report.summary().getSkipped());
        assertEquals(198, processor.calls.get(), "a duplicate is never sent to the model");
        FileStorage output = new FileStorage(out);
        List<String> written = Outputs.ids(output, "upper/shard-00000.jsonl.zst");
        assertFalse(written.contains("a-3") || written.contains("b-10"));
        List<JsonNode> duplicates = Outputs.read(output, "_palimpsest/rejects/shard-00000.jsonl.zst").stream()
                .filter(r -> r.path("reason").asText().equals("duplicate_id"))
                .toList();
        assertEquals(
                List.of("a-3", "a-3", "b-10"),
                sorted(duplicates.stream().map(r -> r.path("id").asText()).toList()));
        assertTrue(
                duplicates.stream().anyMatch(r -> r.path("detail").asText().contains("appeared first in shard 7")),
                duplicates.toString());
        Receipt receipt = json.readValue(output.readAll("_palimpsest/receipts/shard-00000.json"), Receipt.class);
        assertEquals(Map.of("duplicate_id", 3L, "malformed_json", 1L), receipt.counts().reasons);
    }

    @Test
    void attemptsEndedByAModelOutageDoNotBringAFailingDocumentCloserToAReject() throws IOException {
        IntFunction<ShardRunner> attempt = n -> {
            Function<Document, RuntimeException> failure = n == 0
                    ? doc -> doc.id().equals("a-40")
                            ? new ModelUnavailableException("unavailable for more than 600 s (last: HTTP 503)", null)
                            : null
                    : doc -> doc.id().equals("a-90")
                            ? new DocumentFailedException("retries exhausted: HTTP 500", new IOException("500"))
                            : null;
            try {
                DocumentReaders readers =
                        new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
                RunSettings settings = new RunSettings(
                        n,
                        "w" + n,
                        EVERY,
                        EVERY + 10,
                        Compression.ZSTD,
                        "job",
                        "uid-1",
                        "sha256:x",
                        "model",
                        Files.createTempDirectory(dir, "tmp"),
                        3,
                        false,
                        null,
                        RunSettings.defaultWindowBytes(),
                        null);
                return new ShardRunner(
                        new FileStorage(in),
                        new FileStorage(out),
                        readers,
                        new UppercaseProcessor(failure),
                        settings,
                        json,
                        new RunProgress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        FileStorage output = new FileStorage(out);
        // pod failure counts 0..3 of a shard with attemptsPerShard 3: one outage, then the same document fails three
        // times
        ShardRunner.Report outage = attempt.apply(0).run(shard);
        assertEquals(ExitCodes.MODEL_UNREACHABLE, outage.exitCode());
        assertEquals("model_unreachable", outage.summary().getReason());
        for (int n = 1; n <= 2; n++) {
            ShardRunner.Report failed = attempt.apply(n).run(shard);
            assertEquals("retries_exhausted", failed.summary().getReason(), "attempt " + n);
            assertTrue(
                    failed.summary()
                            .getMessage()
                            .contains("attempt " + n + " of 3, not counting 1 ended by a model outage"),
                    failed.summary().getMessage());
            assertFalse(
                    output.exists("_palimpsest/receipts/shard-00000.json"), "no reject committed on pod attempt " + n);
        }

        ShardRunner.Report last = attempt.apply(3).run(shard);

        assertEquals(
                ShardSummary.Outcome.committed,
                last.summary().getOutcome(),
                String.valueOf(last.summary().getMessage()));
        JsonNode reject = Outputs.read(output, "_palimpsest/rejects/shard-00000.jsonl.zst").stream()
                .filter(r -> r.path("reason").asText().equals("model_error"))
                .findFirst()
                .orElseThrow();
        assertEquals("a-90", reject.path("id").asText());
        assertTrue(
                reject.path("detail").asText().contains("(attempt 3 of 3, not counting 1 ended by a model outage)"),
                reject.toString());
        assertEquals(
                199, Outputs.ids(output, "upper/shard-00000.jsonl.zst").size(), "every other document written once");
    }

    /**
     * A local run shares one {@link RunProgress} across its shards and their attempts: a failed
     * attempt's summary counts its own documents, so that read = written + rejected + skipped +
     * unfinished holds for the shard, whatever the other shards did.
     */
    @Test
    void aFailedAttemptCountsItsOwnDocumentsNotTheProcesses() throws IOException {
        RunProgress shared = new RunProgress();
        shared.itemsDone.set(540); // what other shards of the same process answered
        ShardRunner runner = runner(
                new UppercaseProcessor(
                        doc -> number(doc) >= 10 ? new ModelUnavailableException("model gone", null) : null),
                "w1",
                out,
                EVERY + 10,
                shared);

        ShardSummary summary = runner.run(shard).summary();

        assertEquals("model_unreachable", summary.getReason());
        assertEquals(10, summary.getWritten(), "a-0 to a-9 were answered by this attempt");
        assertEquals(0, summary.getRejected());
        assertEquals(0, summary.getSkipped());
        assertEquals(100L, summary.getPromptTokens(), "10 tokens each");
        assertEquals(Map.of("upper", 10L), summary.getWrittenByVariant());
        long unfinished = summary.getRead() - summary.getWritten();
        assertTrue(
                unfinished >= 1 && unfinished <= EVERY + 10,
                "read " + summary.getRead() + ": the documents this attempt took, at most its window unfinished");
    }

    /**
     * An attempt that ends because a document's tries ran out checkpoints what it finished, so the next
     * attempt resumes after it instead of generating those documents again.
     */
    @Test
    void anAttemptEndedByAFailingDocumentCheckpointsWhatItFinished() throws IOException {
        ShardRunner.Report failed = runner(
                        new UppercaseProcessor(doc -> number(doc) >= 10
                                ? new DocumentFailedException("retries exhausted: HTTP 500", new IOException("500"))
                                : null),
                        "w1")
                .run(shard);
        assertEquals("retries_exhausted", failed.summary().getReason());
        CheckpointStore.State state =
                new CheckpointStore(new FileStorage(out), new ShardLayout(0, Compression.ZSTD), json).read();
        assertEquals(10, state.done().size(), "a-0 to a-9, fewer than a part, are in a checkpoint part");

        UppercaseProcessor next = new UppercaseProcessor();
        ShardRunner.Report resumed = runner(next, "w2").run(shard);

        assertEquals(ShardSummary.Outcome.committed, resumed.summary().getOutcome());
        assertEquals(190, next.calls.get(), "the next attempt did not generate the 10 finished documents again");
        assertEquals(sorted(goodIds), sorted(Outputs.ids(new FileStorage(out), "upper/shard-00000.jsonl.zst")));
    }

    /**
     * On a shard's last attempt, documents whose tries ran out are held as model_error rejects until a later answer;
     * when the outage ends the attempt first, they are in no part. The summary counts what the parts hold (read =
     * written + rejected + skipped + unfinished, nothing of the held ones rejected) and says they are left to the
     * next attempt.
     */
    @Test
    void anOutageOnTheLastAttemptCountsTheRejectsItHeldAsLeftToTheNextAttemptNotRejected() throws IOException {
        DocumentProcessor outageAt14 = answeredInOrder(doc -> {
            int n = number(doc);
            if (n < 10) {
                return CompletableFuture.completedFuture(upper(doc));
            }
            return CompletableFuture.failedFuture(
                    n < 14
                            ? new DocumentFailedException("retries exhausted: HTTP 500", new IOException("500"))
                            : new ModelUnavailableException("5 documents in a row failed after every retry", null));
        });

        RunProgress progress = new RunProgress();
        ShardRunner.Report report =
                runner(outageAt14, "w1", out, EVERY + 10, progress, 1).run(shard);

        assertEquals(
                ExitCodes.MODEL_UNREACHABLE, report.exitCode(), report.summary().getMessage());
        ShardSummary summary = report.summary();
        assertEquals(15, summary.getRead(), "a-0 to a-14: reading stopped at the outage");
        assertEquals(10, summary.getWritten());
        assertEquals(0, summary.getRejected(), "the held rejects are in no part");
        assertEquals(0, summary.getSkipped());
        assertEquals(
                keptInParts(),
                summary.getWritten() + summary.getRejected() + summary.getSkipped(),
                "what is committed");
        assertTrue(
                summary.getMessage()
                        .endsWith("; 4 documents whose tries ran out before the outage was recognised are not"
                                + " rejected: in no checkpoint part, left to the next attempt, which does them again"),
                summary.getMessage());
        // nor do the live counters (local's progress line, the metrics) call them rejected
        assertEquals(0, progress.rejected.get());
        assertEquals(Map.of(), progress.notWrittenByReason());
        assertEquals(10, progress.written.get());
    }

    /** A stop (SIGTERM) of the last attempt leaves the rejects it held to the next attempt too, and says so. */
    @Test
    void aStopOfTheLastAttemptSaysTheRejectsItHeldAreLeftToTheNextAttempt() throws IOException {
        AtomicReference<ShardRunner> running = new AtomicReference<>();
        DocumentProcessor stoppedAt14 = answeredInOrder(doc -> {
            int n = number(doc);
            if (n >= 10 && n < 14) {
                return CompletableFuture.failedFuture(
                        new DocumentFailedException("retries exhausted: HTTP 500", new IOException("500")));
            }
            if (n == 14) {
                running.get().stop(Duration.ofSeconds(20), "SIGTERM"); // answered after the stop: releases nothing
            }
            return CompletableFuture.completedFuture(upper(doc));
        });
        running.set(runner(stoppedAt14, "w1", out, EVERY + 10, new RunProgress(), 1));

        ShardSummary summary = running.get().run(shard).summary();

        assertEquals("terminated", summary.getReason());
        assertEquals(15, summary.getRead());
        assertEquals(11, summary.getWritten(), "a-0 to a-9 and a-14");
        assertEquals(0, summary.getRejected());
        assertEquals(keptInParts(), summary.getWritten());
        assertTrue(
                summary.getMessage()
                        .endsWith("; 4 documents whose tries ran out before the attempt stopped are not rejected: in"
                                + " no checkpoint part, left to the next attempt, which does them again"),
                summary.getMessage());
    }

    /**
     * With a bytes bound smaller than any document, each item goes alone: the next is read only once the writer took
     * the last one's answer. Every path gives its room back (answers, unusable items, skips), or the shard would stall.
     */
    @Test
    @Timeout(60)
    void documentsLargerThanTheWindowsBytesGoOneAtATimeAndTheShardCompletes() throws IOException {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        DocumentProcessor counting = answeredInOrder(doc -> {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            return CompletableFuture.supplyAsync(() -> {
                inFlight.decrementAndGet();
                return upper(doc);
            });
        });

        ShardSummary summary = runner(counting, "w1", out, EVERY + 10, new RunProgress(), 3, 1)
                .run(shard)
                .summary();

        assertEquals(ShardSummary.Outcome.committed, summary.getOutcome(), summary.getMessage());
        assertEquals(203, summary.getRead());
        assertEquals(200, summary.getWritten());
        assertEquals(2, summary.getRejected());
        assertEquals(1, summary.getSkipped());
        assertEquals(1, mostInFlight.get(), "one document at a time in a window of one document's bytes");
    }

    /** A reject held until a later answer gives its room in the window back when it is taken, held or not. */
    @Test
    @Timeout(60)
    void aHeldRejectGivesItsRoomBackInAWindowOfOneDocument() throws IOException {
        DocumentProcessor a10Fails = answeredInOrder(doc -> number(doc) == 10
                ? CompletableFuture.failedFuture(
                        new DocumentFailedException("retries exhausted: HTTP 500", new IOException("500")))
                : CompletableFuture.supplyAsync(() -> upper(doc)));

        ShardSummary summary = runner(a10Fails, "w1", out, EVERY + 10, new RunProgress(), 1, 1)
                .run(shard)
                .summary();

        assertEquals(ShardSummary.Outcome.committed, summary.getOutcome(), summary.getMessage());
        assertEquals(203, summary.getRead());
        assertEquals(summary.getRead(), summary.getWritten() + summary.getRejected() + summary.getSkipped());
        assertEquals(
                Map.of("model_error", 1L, "duplicate_id", 1L, "malformed_json", 1L), summary.getRejectedByReason());
    }

    /** A reject held until a later answer is counted in the run's progress once that answer writes it. */
    @Test
    void aRejectHeldUntilALaterAnswerCountsInTheProgressOnceWritten() throws IOException {
        DocumentProcessor a10Fails = answeredInOrder(doc -> number(doc) == 10
                ? CompletableFuture.failedFuture(
                        new DocumentFailedException("retries exhausted: HTTP 500", new IOException("500")))
                : CompletableFuture.completedFuture(upper(doc)));
        RunProgress progress = new RunProgress();

        ShardSummary summary =
                runner(a10Fails, "w1", out, EVERY + 10, progress, 1).run(shard).summary();

        assertEquals(ShardSummary.Outcome.committed, summary.getOutcome(), summary.getMessage());
        assertEquals(
                Map.of("model_error", 1L, "duplicate_id", 1L, "malformed_json", 1L), summary.getRejectedByReason());
        assertEquals(1L, progress.notWrittenByReason().get("rejected/model_error"));
        assertEquals(summary.getRejected() + summary.getSkipped(), progress.rejected.get());
    }

    /**
     * A refusal the same for every document ends the attempt after rejects of it were committed in a part: the part
     * is withdrawn (the next attempt does its documents again), and the summary no longer counts them as rejected.
     */
    @Test
    void theRejectsOfAWithdrawnPartAreNotCountedAsRejected() throws IOException {
        DocumentProcessor refusedFor25 = answeredInOrder(doc -> number(doc) < EVERY
                ? CompletableFuture.completedFuture(
                        ProcessedDocument.rejected(ItemReason.MODEL_REJECTED, "HTTP 400: bad sampling", 0, 0))
                : CompletableFuture.failedFuture(new ModelConfigException(400, "HTTP 400: bad sampling, 8 in a row")));

        ShardSummary summary = runner(refusedFor25, "w1").run(shard).summary();

        assertEquals("model_config", summary.getReason());
        assertEquals(0, keptInParts(), "the part of " + EVERY + " rejects was withdrawn");
        assertEquals(EVERY + 1, summary.getRead());
        assertEquals(0, summary.getRejected(), "no reject is committed");
        assertEquals(0, summary.getWritten());
        assertNull(summary.getRejectedByReason(), "no reason counts a reject");
    }

    /** Documents in this shard's checkpoint parts now. */
    private long keptInParts() throws IOException {
        CheckpointStore.State state =
                new CheckpointStore(new FileStorage(out), new ShardLayout(0, Compression.ZSTD), json).read();
        return state.done().size();
    }

    /** A processor whose results come back before process returns: the runner sees them in the input's order. */
    private static DocumentProcessor answeredInOrder(Function<Document, CompletionStage<ProcessedDocument>> answer) {
        return new DocumentProcessor() {
            @Override
            public CompletionStage<ProcessedDocument> process(Document document) {
                return answer.apply(document);
            }

            @Override
            public List<String> variants() {
                return List.of("upper");
            }
        };
    }

    private ProcessedDocument upper(Document doc) {
        ObjectNode record = json.createObjectNode()
                .put("id", doc.id())
                .put("text", doc.text().toUpperCase());
        return new ProcessedDocument(List.of(new VariantRecord("upper", record)), List.of(), 10, 5);
    }

    /** The number of a corpus document "a-N" (documents of the second file count as past every number). */
    private static int number(Document doc) {
        return doc.id().startsWith("a-") ? Integer.parseInt(doc.id().substring(2)) : Integer.MAX_VALUE;
    }

    /** The id a record without one is given ({@code file:line}) can equal a real id: the reject names that. */
    @Test
    void aRealIdEqualToAGeneratedOneIsRejectedNamingTheCollision() throws IOException {
        in = dir.resolve("in-ids");
        Files.createDirectories(in);
        Files.writeString(
                in.resolve("c.jsonl"),
                "{\"text\":\"a record without an id\"}\n{\"id\":\"c.jsonl:1\",\"text\":\"a real id\"}\n");
        Shard only = new ShardPlanner(new ShardingPolicy(1, null))
                .plan(new FileStorage(in).list(""))
                .get(0);

        runner(new UppercaseProcessor(), "w1").run(only);

        JsonNode reject = Outputs.read(new FileStorage(out), "_palimpsest/rejects/shard-00000.jsonl.zst")
                .get(0);
        assertEquals("duplicate_id", reject.path("reason").asText());
        assertEquals(
                "id 'c.jsonl:1' appeared earlier in this shard, at c.jsonl:1 (the first copy, which is kept); a record without an id is given '<file>:<line>' as"
                        + " its id, so one of the two may be such a record and the other a real id with the same text:"
                        + " give every record an id (input.idField)",
                reject.path("detail").asText());
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
        UppercaseProcessor failing = new UppercaseProcessor(
                doc -> doc.id().equals("a-90") ? new ModelUnavailableException("model gone", null) : null);
        ShardRunner.Report first = runner(failing, "w1").run(shard);
        assertEquals(ExitCodes.MODEL_UNREACHABLE, first.exitCode());
        assertEquals(0, first.resumed(), "the first attempt found no checkpoint part");
        assertFalse(new FileStorage(out).exists("_palimpsest/receipts/shard-00000.json"));

        UppercaseProcessor resumed = new UppercaseProcessor();
        ShardRunner.Report second = runner(resumed, "w2").run(shard);
        assertEquals(ShardSummary.Outcome.committed, second.summary().getOutcome());
        assertTrue(
                resumed.calls.get() <= 200 - 75,
                "resumed with the committed parts' items, redid " + resumed.calls.get());
        List<String> ids = Outputs.ids(new FileStorage(out), "upper/shard-00000.jsonl.zst");
        assertEquals(sorted(goodIds), sorted(ids), "no document lost or duplicated across the two attempts");
        Receipt receipt =
                json.readValue(new FileStorage(out).readAll("_palimpsest/receipts/shard-00000.json"), Receipt.class);
        assertTrue(receipt.timings().resumedFromItem() >= 75);
        // the report says how many documents came from the parts, not sent again; the counts are the shard's as before
        assertEquals(receipt.timings().resumedFromItem(), second.resumed());
        assertTrue(second.resumed() >= 75, "the first attempt's parts: " + second.resumed());
        assertTrue(resumed.calls.get() <= 203 - second.resumed(), "none of them sent again: " + resumed.calls.get());
        assertEquals(receipt.counts().read, second.summary().getRead());
        assertEquals(receipt.counts().written, second.summary().getWritten());
        assertEquals(receipt.counts().rejected, second.summary().getRejected());
        assertEquals(receipt.counts().skipped, second.summary().getSkipped());
        assertEquals(203, second.summary().getRead(), "read counts the whole shard, resumed documents too");
    }

    @Test
    void checkpointsOfAnotherRecipeOrModelAreNotResumedAndTheShardStartsOver() throws IOException {
        for (String[] change : new String[][] {{"sha256:new", "model"}, {"sha256:x", "other-model"}}) {
            Path output = dir.resolve("changed-" + change[0].substring(7) + "-" + change[1]);
            UppercaseProcessor failing = new UppercaseProcessor(
                    doc -> doc.id().equals("a-90") ? new ModelUnavailableException("model gone", null) : null);
            ShardRunner.Report first =
                    runner(failing, "w1", output, "sha256:x", "model").run(shard);
            assertEquals(ExitCodes.MODEL_UNREACHABLE, first.exitCode());
            String marker = new FileStorage(output)
                    .list("_palimpsest/checkpoints/shard-00000/").stream()
                            .filter(o -> o.key().endsWith("part-000000.json"))
                            .findFirst()
                            .orElseThrow()
                            .key();
            JsonNode part = json.readTree(new FileStorage(output).readAll(marker));
            assertEquals("sha256:x", part.path("recipeHash").asText(), "a part says how it was made: " + part);
            assertEquals("model", part.path("model").asText());

            // the change was accepted: the shard's receipt will name the new recipe and model alone
            UppercaseProcessor again = new UppercaseProcessor();
            ShardRunner.Report second =
                    runner(again, "w2", output, change[0], change[1]).run(shard);

            assertEquals(ShardSummary.Outcome.committed, second.summary().getOutcome());
            assertTrue(
                    again.calls.get() >= goodIds.size(),
                    "every document made again with " + change[0] + " on " + change[1] + ", none resumed: "
                            + again.calls.get());
            Receipt receipt = json.readValue(
                    new FileStorage(output).readAll("_palimpsest/receipts/shard-00000.json"), Receipt.class);
            assertEquals(change[0], receipt.recipeHash());
            assertEquals(change[1], receipt.model());
            assertEquals(0, receipt.timings().resumedFromItem());
            assertEquals(0, second.resumed(), "discarded parts are not resumed");
            assertEquals(
                    sorted(goodIds),
                    sorted(Outputs.ids(new FileStorage(output), "upper/shard-00000.jsonl.zst")),
                    "each document once");
        }
    }

    /**
     * Parts written with another spec.output setting (keepOriginal, compression), or by an earlier version whose
     * markers do not say, are not resumed by an attempt that knows its own: the shard is the concatenation of its
     * parts, so it would be committed two ways. Parts of the same settings are resumed.
     */
    @Test
    void checkpointsOfOtherOutputSettingsOrThatRecordNoneAreNotResumed() throws IOException {
        OutputShape plain = new OutputShape(false, "zstd");
        Object[][] cases = {
            {
                "keep",
                plain,
                new OutputShape(true, "zstd"),
                "was written with spec.output.keepOriginal false, this" + " attempt's is true"
            },
            {
                "gzip",
                plain,
                new OutputShape(false, "gzip"),
                "was written with spec.output.compression zstd, this" + " attempt's is gzip"
            },
            {"earlier", null, plain, "records no output settings (written by an earlier version)"},
            {"same", plain, new OutputShape(false, "zstd"), null}
        };
        for (Object[] c : cases) {
            Path output = dir.resolve("shape-" + c[0]);
            UppercaseProcessor failing = new UppercaseProcessor(
                    doc -> doc.id().equals("a-90") ? new ModelUnavailableException("model gone", null) : null);
            ShardRunner.Report first = runner(failing, "w1", output, "sha256:x", "model", null, (OutputShape) c[1])
                    .run(shard);
            assertEquals(ExitCodes.MODEL_UNREACHABLE, first.exitCode());

            List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.logging.Logger log = java.util.logging.Logger.getLogger(ShardRunner.class.getName());
            java.util.logging.Handler handler = new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord record) {
                    warnings.add(record.getMessage());
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };
            log.addHandler(handler);
            ShardRunner.Report second;
            try {
                second = runner(new UppercaseProcessor(), "w2", output, "sha256:x", "model", null, (OutputShape) c[2])
                        .run(shard);
            } finally {
                log.removeHandler(handler);
            }
            assertEquals(ShardSummary.Outcome.committed, second.summary().getOutcome());
            if (c[3] == null) {
                assertTrue(second.resumed() > 0, "parts of the same settings are resumed");
            } else {
                assertEquals(0, second.resumed(), c[0] + ": parts made otherwise are not resumed");
                assertTrue(
                        warnings.stream()
                                .anyMatch(w -> w.contains((String) c[3])
                                        && w.contains("its checkpoint parts are discarded and the shard starts over")),
                        c[0] + ": " + warnings);
            }
            assertEquals(
                    sorted(goodIds),
                    sorted(Outputs.ids(new FileStorage(output), "upper/shard-00000.jsonl.zst")),
                    "each document once");
        }
    }

    /**
     * Part markers of an earlier version record neither recipe nor model: how their parts were made is
     * unknown (a change accepted since could have come with the upgrade), so an attempt that knows its
     * recipe and model does not resume them; the shard starts over, with a warning saying why.
     */
    @Test
    void checkpointsThatRecordNoRecipeOrModelAreNotResumedByAnAttemptThatKnowsItsOwn() throws IOException {
        for (String[] identity : new String[][] {{"sha256:x", null}, {null, "model"}}) {
            Path output = dir.resolve("unknown-" + identity[0] + "-" + identity[1]);
            UppercaseProcessor failing = new UppercaseProcessor(
                    doc -> doc.id().equals("a-90") ? new ModelUnavailableException("model gone", null) : null);
            // written as an earlier version wrote them: markers without recipeHash or model
            ShardRunner.Report first = runner(failing, "w1", output, null, null).run(shard);
            assertEquals(ExitCodes.MODEL_UNREACHABLE, first.exitCode());
            String marker = new FileStorage(output)
                    .list("_palimpsest/checkpoints/shard-00000/").stream()
                            .filter(o -> o.key().endsWith("part-000000.json"))
                            .findFirst()
                            .orElseThrow()
                            .key();
            JsonNode part = json.readTree(new FileStorage(output).readAll(marker));
            assertFalse(part.has("recipeHash") || part.has("model"), part.toString());

            List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.logging.Logger log = java.util.logging.Logger.getLogger(ShardRunner.class.getName());
            java.util.logging.Handler handler = new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord record) {
                    warnings.add(record.getMessage());
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };
            log.addHandler(handler);
            UppercaseProcessor again = new UppercaseProcessor();
            ShardRunner.Report second;
            try {
                second = runner(again, "w2", output, identity[0], identity[1]).run(shard);
            } finally {
                log.removeHandler(handler);
            }

            assertEquals(ShardSummary.Outcome.committed, second.summary().getOutcome());
            assertTrue(
                    again.calls.get() >= goodIds.size(),
                    "every document made again, none resumed: " + again.calls.get());
            Receipt receipt = json.readValue(
                    new FileStorage(output).readAll("_palimpsest/receipts/shard-00000.json"), Receipt.class);
            assertEquals(0, receipt.timings().resumedFromItem());
            assertEquals(
                    sorted(goodIds),
                    sorted(Outputs.ids(new FileStorage(output), "upper/shard-00000.jsonl.zst")),
                    "each document once");
            String why = identity[0] != null ? "records no recipe" : "records no model";
            assertTrue(
                    warnings.stream()
                            .anyMatch(w -> w.contains("shard-00000: part ")
                                    && w.contains(why)
                                    && w.contains("its checkpoint parts are discarded and the shard starts over")),
                    warnings.toString());
        }
    }

    /**
     * After another model identity (other weights under the same name) was accepted for the output,
     * a shard's parts made with the earlier weights are not resumed; parts whose markers record no
     * identity (an earlier version's, which recorded recipe and model) are, as the output's recipe.json
     * without one is run on.
     */
    @Test
    void checkpointsOfOtherWeightsAreNotResumedAndThoseThatRecordNoIdentityAre() throws IOException {
        String before = "vLLM model org/m, revision v1";
        for (String[] made : new String[][] {
            {before, "vLLM model org/m, revision v2", "discarded"},
            {before, before, "resumed"},
            {null, before, "resumed"},
            // recorded in another version's words: the same weights are resumed, other weights are not
            {"vLLM weights huggingFace:org/m@v1", "vLLM weights hf:org/m/@v1", "resumed"},
            {"vLLM weights pvc:weights:models/m", "vLLM weights pvc:weights:models/m/", "resumed"},
            {"vLLM weights s3://bucket/models/m/", "vLLM weights s3://bucket/models/m", "resumed"},
            {"vLLM weights huggingFace:org/m@v1", "vLLM weights hf:org/m@v2", "discarded"},
            {"vLLM weights pvc:weights:models/m", "vLLM weights pvc:weights:models/m2/", "discarded"}
        }) {
            Path output = dir.resolve("identity-" + made[2] + "-" + Integer.toHexString(Arrays.hashCode(made)));
            UppercaseProcessor failing = new UppercaseProcessor(
                    doc -> doc.id().equals("a-90") ? new ModelUnavailableException("model gone", null) : null);
            ShardRunner.Report first =
                    runner(failing, "w1", output, "sha256:x", "model", made[0]).run(shard);
            assertEquals(ExitCodes.MODEL_UNREACHABLE, first.exitCode());
            String marker = new FileStorage(output)
                    .list("_palimpsest/checkpoints/shard-00000/").stream()
                            .filter(o -> o.key().endsWith("part-000000.json"))
                            .findFirst()
                            .orElseThrow()
                            .key();
            JsonNode part = json.readTree(new FileStorage(output).readAll(marker));
            assertEquals(made[0] != null, part.has("modelIdentity"), part.toString());

            UppercaseProcessor again = new UppercaseProcessor();
            ShardRunner.Report second =
                    runner(again, "w2", output, "sha256:x", "model", made[1]).run(shard);

            assertEquals(ShardSummary.Outcome.committed, second.summary().getOutcome());
            Receipt receipt = json.readValue(
                    new FileStorage(output).readAll("_palimpsest/receipts/shard-00000.json"), Receipt.class);
            if (made[2].equals("discarded")) {
                assertEquals(0, receipt.timings().resumedFromItem(), "made again with the new weights");
                assertTrue(again.calls.get() >= goodIds.size(), "none resumed: " + again.calls.get());
            } else {
                assertTrue(receipt.timings().resumedFromItem() > 0, "resumed: " + receipt.timings());
                assertTrue(again.calls.get() < goodIds.size(), "resumed: " + again.calls.get());
            }
            assertEquals(
                    sorted(goodIds),
                    sorted(Outputs.ids(new FileStorage(output), "upper/shard-00000.jsonl.zst")),
                    "each document once");
        }
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
                assertEquals(
                        ExitCodes.DONE,
                        report.exitCode(),
                        String.valueOf(report.summary().getMessage()));
                outcomes.add(report.summary().getOutcome());
            }
            assertEquals(
                    1,
                    outcomes.stream()
                            .filter(o -> o == ShardSummary.Outcome.committed)
                            .count(),
                    "outcomes " + outcomes);
            List<String> ids = Outputs.ids(new FileStorage(roundOut), "upper/shard-00000.jsonl.zst");
            assertEquals(sorted(goodIds), sorted(ids));
            assertEquals(ids.size(), new HashSet<>(ids).size());
        }
    }

    /**
     * One document hangs while the rest are answered: under in-order commit every later answer would
     * wait behind it, and a kill would throw all of them away. Parts are committed as answers arrive,
     * so what is answered and not yet in a part stays under one checkpoint interval.
     */
    @Test
    void aHungDocumentHoldsBackNoPart() throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        AtomicInteger answered = new AtomicInteger();
        DocumentProcessor holdsA0 = new DocumentProcessor() {
            final UppercaseProcessor upper = new UppercaseProcessor();

            @Override
            public List<String> variants() {
                return upper.variants();
            }

            @Override
            public CompletionStage<ProcessedDocument> process(Document doc) {
                CompletionStage<ProcessedDocument> result = upper.process(doc);
                if (doc.id().equals("a-0")) {
                    return release.thenCompose(v -> result);
                }
                return result.thenApply(r -> {
                    answered.incrementAndGet();
                    return r;
                });
            }
        };
        CompletableFuture<ShardRunner.Report> run = CompletableFuture.supplyAsync(
                () -> runner(holdsA0, "w1", out, 1000).run(shard));
        CheckpointStore checkpoints =
                new CheckpointStore(new FileStorage(out), new ShardLayout(0, Compression.ZSTD), json);
        long deadline = System.nanoTime() + 20_000_000_000L;
        CheckpointStore.State state = checkpoints.read();
        // 199 documents answered and 3 unusable items: all but the hung one and at most one unfilled part are committed
        while (state.done().size() < 202 - (EVERY - 1) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            state = checkpoints.read();
        }
        assertEquals(199, answered.get());
        assertFalse(state.done().contains(0), "the hung document is in no part");
        assertTrue(
                state.done().size() >= 202 - (EVERY - 1),
                "answered but not in a part: " + (202 - state.done().size()));
        assertFalse(run.isDone());
        release.complete(null);
        ShardRunner.Report report = run.get();
        assertEquals(ShardSummary.Outcome.committed, report.summary().getOutcome());
        assertEquals(sorted(goodIds), sorted(Outputs.ids(new FileStorage(out), "upper/shard-00000.jsonl.zst")));
    }

    @Test
    void noTemporaryFileIsLeftAfterACommit() throws IOException {
        // what a writer killed between its write and its rename leaves behind
        Files.createDirectories(out.resolve("upper"));
        Files.writeString(out.resolve("upper/.tmp-shard-00000.jsonl.zst-3f2a"), "half a file");
        Files.createDirectories(out.resolve("_palimpsest/receipts"));
        Files.writeString(out.resolve("_palimpsest/receipts/.tmp-shard-00000.json-77c1"), "{");
        Files.createDirectories(out.resolve("_palimpsest/checkpoints/shard-00000"));
        Files.writeString(out.resolve("_palimpsest/checkpoints/shard-00000/.tmp-part-000000.json-9a"), "{");
        Files.writeString(out.resolve("upper/.tmp-shard-00001.jsonl.zst-5b"), "another shard's, still being written");

        assertEquals(
                ShardSummary.Outcome.committed,
                runner(new UppercaseProcessor(), "w1").run(shard).summary().getOutcome());
        assertEquals(
                List.of("upper/.tmp-shard-00001.jsonl.zst-5b"),
                temporaries(out),
                "only another shard's temporary file is left");

        Files.writeString(out.resolve("upper/.tmp-shard-00000.jsonl.zst-4c"), "a twin killed mid-assembly");
        assertEquals(
                ShardSummary.Outcome.alreadyCommitted,
                runner(new UppercaseProcessor(), "w2").run(shard).summary().getOutcome());
        assertEquals(
                List.of("upper/.tmp-shard-00001.jsonl.zst-5b"),
                temporaries(out),
                "a rerun cleans up after a committed shard too");
    }

    private static List<String> temporaries(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.getFileName().toString().startsWith(".tmp-"))
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        }
    }

    private static List<String> sorted(List<String> values) {
        return values.stream().sorted().toList();
    }

    @Test
    void aFileChangedSincePlanningFailsTheShardAsBadDataBeforeAnyDocumentIsRead() throws IOException {
        Files.writeString(
                in.resolve("b.jsonl"),
                "{\"id\":\"late\",\"text\":\"appended after the plan\"}\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        long planned = shard.files().get(1).bytes();
        UppercaseProcessor processor = new UppercaseProcessor();

        ShardRunner.Report report = runner(processor, "w1").run(shard);

        assertEquals(ExitCodes.BAD_DATA, report.exitCode());
        assertEquals(ShardSummary.Outcome.badData, report.summary().getOutcome());
        assertEquals(
                "input file " + new FileStorage(in).describe("b.jsonl") + " changed since it was planned: the plan"
                        + " counted " + planned + " bytes, it now has " + Files.size(in.resolve("b.jsonl"))
                        + "; the plan is kept once shards are committed against it, so restore the file, or run the"
                        + " job into a new output to take the input as it is now",
                report.summary().getMessage());
        assertFalse(new FileStorage(out).exists("_palimpsest/receipts/shard-00000.json"), "nothing committed");
        assertEquals(
                0, processor.calls.get(), "no document of the shard, not even of its unchanged first file, was sent");
    }

    private ShardRunner runner(DocumentProcessor processor, String writer) {
        return runner(processor, writer, out);
    }

    private ShardRunner runner(DocumentProcessor processor, String writer, Path output) {
        return runner(processor, writer, output, EVERY + 10);
    }

    private ShardRunner runner(DocumentProcessor processor, String writer, Path output, int window) {
        return runner(processor, writer, output, window, new RunProgress());
    }

    private ShardRunner runner(
            DocumentProcessor processor, String writer, Path output, int window, RunProgress progress) {
        return runner(processor, writer, output, window, progress, RunSettings.DEFAULT_ATTEMPTS_PER_SHARD);
    }

    /** @param attemptsPerShard the job's; this is the shard's first attempt (the last when 1) */
    private ShardRunner runner(
            DocumentProcessor processor,
            String writer,
            Path output,
            int window,
            RunProgress progress,
            int attemptsPerShard) {
        return runner(processor, writer, output, window, progress, attemptsPerShard, 1L << 30);
    }

    /** @param windowBytes the bytes of text the window holds at most (an item larger goes alone) */
    private ShardRunner runner(
            DocumentProcessor processor,
            String writer,
            Path output,
            int window,
            RunProgress progress,
            int attemptsPerShard,
            long windowBytes) {
        try {
            DocumentReaders readers =
                    new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
            RunSettings settings = new RunSettings(
                    0,
                    writer,
                    EVERY,
                    window,
                    Compression.ZSTD,
                    "job",
                    "uid",
                    "sha256:x",
                    "model",
                    Files.createTempDirectory(dir, "tmp"),
                    attemptsPerShard,
                    false,
                    null,
                    windowBytes,
                    null);
            return new ShardRunner(
                    new FileStorage(in), new FileStorage(output), readers, processor, settings, json, progress);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ShardRunner runner(
            DocumentProcessor processor, String writer, Path output, String recipeHash, String model) {
        return runner(processor, writer, output, recipeHash, model, null);
    }

    private ShardRunner runner(
            DocumentProcessor processor,
            String writer,
            Path output,
            String recipeHash,
            String model,
            String modelIdentity) {
        return runner(processor, writer, output, recipeHash, model, modelIdentity, null);
    }

    /** @param shape how the attempt's spec.output shapes records and files (null: not said, as before the field) */
    private ShardRunner runner(
            DocumentProcessor processor,
            String writer,
            Path output,
            String recipeHash,
            String model,
            String modelIdentity,
            OutputShape shape) {
        try {
            DocumentReaders readers =
                    new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
            RunSettings settings = new RunSettings(
                    0,
                    writer,
                    EVERY,
                    EVERY + 10,
                    Compression.ZSTD,
                    "job",
                    "uid",
                    recipeHash,
                    model,
                    Files.createTempDirectory(dir, "tmp"),
                    RunSettings.DEFAULT_ATTEMPTS_PER_SHARD,
                    false,
                    modelIdentity,
                    RunSettings.defaultWindowBytes(),
                    shape);
            return new ShardRunner(
                    new FileStorage(in),
                    new FileStorage(output),
                    readers,
                    processor,
                    settings,
                    json,
                    new RunProgress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
