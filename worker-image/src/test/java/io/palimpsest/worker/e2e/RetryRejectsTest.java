package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.CliRun;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.show.CommittedOutputReader;
import io.palimpsest.worker.show.ShowSelection;
import io.palimpsest.worker.show.ShownOutput;
import io.palimpsest.worker.show.ShownResult;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        try (ModelSimServer failing = simulator(rules)) {
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
            assertFalse(out.exists("retries/round-001-input/retried.jsonl"));
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
                assertFalse(out.exists("retries/round-001-input/retried.jsonl"));
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
            assertEquals(List.of("doc-7"), Outputs.ids(out, "retries/round-001-input/retried.jsonl"));
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
            assertFalse(out.exists("retries/round-002-input/retried.jsonl"));
            assertEquals(1, well.requestLog().completions().size());
        }
        List<String> everyId = new ArrayList<>(Outputs.ids(out, "plain/shard-00000.jsonl.zst"));
        everyId.addAll(Outputs.ids(out, "retries/round-001/plain/shard-00000.jsonl.zst"));
        assertEquals(
                ids.stream().sorted().toList(), everyId.stream().sorted().toList(), "run + round: every document once");

        // readers of the output take the run, then the round: the document the round wrote is written
        JsonNode tally = JSON.readTree(stdout(
                "tally",
                "-f",
                job.toString(),
                "--termination-log",
                dir.resolve("tally.json").toString()));
        assertEquals(30, tally.path("read").asLong(), tally.toString());
        assertEquals(30, tally.path("written").asLong(), tally.toString());
        assertEquals(0, tally.path("rejected").asLong(), tally.toString());
        assertEquals(1, tally.path("receipts").asLong(), "the run's receipts: " + tally);
        assertEquals(1, tally.path("retryRounds").asLong(), tally.toString());
        assertEquals(30, tally.at("/writtenByVariant/plain").asLong(), tally.toString());
        assertFalse(tally.path("rejectedByReason").has("model_error"), tally.toString());

        String shown = stdout("show", dir.resolve("out").toString(), "--id", "doc-7");
        assertTrue(shown.contains("-- plain (retry round 1): written"), shown);
        assertFalse(shown.contains("model_error"), shown);
    }

    /**
     * The job reads its ids from {@code doc_id} and its texts from {@code body}, so fields named {@code id},
     * {@code text} and {@code retriedFor} are the documents' metadata. A document the run rejected is run again, and
     * the round writes exactly the record the run would have written had the document succeeded there (a run into
     * another output with the server well): its metadata whole, and the line of the input it came from.
     */
    @Test
    void aRetriedDocumentIsWrittenAsTheRunWouldHaveWrittenItWithMetadataNamedIdOrText() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            ObjectNode record = JSON.createObjectNode();
            record.put("doc_id", "doc-" + i);
            record.put("body", Corpus.sentence(i));
            record.put("id", "catalogue-" + (100 + i));
            record.put("text", "a note kept with document " + i);
            record.put("retriedFor", "the source's own field");
            record.put("n", i);
            corpus.append(JSON.writeValueAsString(record)).append('\n');
        }
        Files.writeString(in.resolve("corpus.jsonl"), corpus.toString());
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(
                rules,
                "rules:\n  - name: poison\n    match: 'record number 7\\.'\n    on: document\n    fault: server_error\n");
        Path job;
        try (ModelSimServer failing = simulator(rules)) {
            job = readingDocIdAndBody(
                    JobFiles.write(dir.resolve("job"), in, dir.resolve("out"), failing.baseUrl(), 16));
            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "local", "-f", job.toString(), "--backoff-base", "PT0.005S", "--backoff-cap", "PT0.05S"));
        }
        FileStorage out = new FileStorage(dir.resolve("out"));
        List<JsonNode> rejects = Outputs.read(out, "_palimpsest/rejects/shard-00000.jsonl.zst");
        assertEquals(
                List.of("doc-7"),
                rejects.stream().map(r -> r.path("id").asText()).toList());
        JsonNode source =
                JSON.readTree(Files.readAllLines(in.resolve("corpus.jsonl")).get(7));

        FileStorage clean = new FileStorage(dir.resolve("clean"));
        try (ModelSimServer well = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            CliRun retry = retry(job, "--endpoint", well.baseUrl());
            assertEquals(0, retry.exit(), retry.text());
            Path cleanJob = readingDocIdAndBody(
                    JobFiles.write(dir.resolve("clean-job"), in, dir.resolve("clean"), well.baseUrl(), 16));
            assertEquals(0, PalimpsestCli.execute("local", "-f", cleanJob.toString()));
        }

        List<JsonNode> retried = Outputs.read(out, "retries/round-001/plain/shard-00000.jsonl.zst");
        assertEquals(1, retried.size(), retried.toString());
        JsonNode expected = Outputs.read(clean, "plain/shard-00000.jsonl.zst").stream()
                .filter(r -> r.path("id").asText().equals("doc-7"))
                .findFirst()
                .orElseThrow();
        ObjectNode metadata = source.deepCopy();
        metadata.remove(List.of("doc_id", "body"));
        assertEquals(metadata, expected.path("metadata"), "the run keeps every other field: " + expected);
        assertEquals(expected, retried.get(0), "the round writes what the run would have written");
        assertEquals("corpus.jsonl", retried.get(0).at("/provenance/file").asText());
        assertEquals(8, retried.get(0).at("/provenance/line").asLong());
    }

    /**
     * A document of a round can end otherwise than written or rejected: in program mode the model's program decides,
     * and a program that drops the document skips it ({@code program_drop_doc}). Three documents fail at the server in
     * the run (model_error); in the round the model keeps one, drops one and is cut at its token cap on the third
     * (truncation). The dropped one counts as skipped, under its reason, in the round's receipt and in the campaign's
     * totals alike ({@code tally}, {@code local}'s summary, {@code show}), where it was a reject under the skip reason;
     * read = written + rejected + skipped holds for the round and for the campaign, each document counted once.
     */
    @Test
    void aDocumentTheRoundSkipsCountsAsSkippedUnderItsReasonNotAsAReject() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 30);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                rules:
                  - name: down
                    match: 'record number (7|12|19)\\.'
                    fault: server_error
                  - name: keep
                    match: 'record number'
                    response: "keep_doc()"
                """);
        Path job;
        try (ModelSimServer failing = simulator(rules)) {
            job = JobFiles.write(dir.resolve("job"), dir.resolve("in"), dir.resolve("out"), failing.baseUrl(), 16);
            Files.writeString(
                    job,
                    Files.readString(job)
                            .replace("  recipe:\n", "  recipe:\n    mode: program\n    program: {minWords: 3}\n")
                            .replace("{{ text }}", "{{ numbered }}")
                            .replace("  workers:\n", "  retry:\n    attemptsPerShard: 1\n  workers:\n"));
            CliRun run =
                    CliRun.of("local", "-f", job.toString(), "--backoff-base", "PT0.005S", "--backoff-cap", "PT0.05S");
            assertEquals(0, run.exit(), run.text());
            assertTrue(run.out().contains("documents  read 30, written 27, rejected 3, skipped 0"), run.out());
        }

        Files.writeString(rules, """
                rules:
                  - name: drop
                    match: 'record number 7\\.'
                    response: "drop_doc()"
                  - name: cut
                    match: 'record number 19\\.'
                    fault: truncation
                  - name: keep
                    match: 'record number'
                    response: "keep_doc()"
                """);
        try (ModelSimServer answering = simulator(rules)) {
            CliRun retry = retry(job, "--endpoint", answering.baseUrl());
            assertEquals(0, retry.exit(), retry.text());
        }
        FileStorage out = new FileStorage(dir.resolve("out"));
        JsonNode round = JSON.readTree(out.readAll("retries/round-001/_palimpsest/receipts/shard-00000.json"));
        assertEquals(List.of(3L, 1L, 1L, 1L), counts(round.path("counts")), round.toString());
        assertEquals(Map.of("program_drop_doc", 1), JSON.convertValue(round.at("/counts/skipReasons"), Map.class));

        CliRun tally = CliRun.of("tally", "-f", job.toString());
        assertEquals(0, tally.exit(), tally.err());
        JsonNode totals = JSON.readTree(tally.out());
        assertEquals(List.of(30L, 28L, 1L, 1L), counts(totals), tally.out());
        assertEquals(Map.of("truncation", 1), JSON.convertValue(totals.path("rejectedByReason"), Map.class));
        assertEquals(Map.of("program_drop_doc", 1), JSON.convertValue(totals.path("skippedByReason"), Map.class));
        assertTrue(tally.err().contains("documents  read 30, written 28, rejected 1, skipped 1"), tally.err());
        assertTrue(tally.err().contains("rejected   truncation 1\n"), tally.err());
        assertTrue(tally.err().contains("skipped    program_drop_doc 1\n"), tally.err());

        // local over the committed output states the same totals in the same words
        CliRun again;
        try (ModelSimServer idle = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            again = CliRun.of("local", "-f", job.toString(), "--endpoint", idle.baseUrl());
            assertEquals(0, idle.requestLog().completions().size(), "every shard was committed");
        }
        assertEquals(0, again.exit(), again.text());
        assertTrue(again.out().contains("documents  read 30, written 28, rejected 1, skipped 1"), again.out());
        assertTrue(again.out().contains("rejected   truncation 1\n"), again.out());
        assertTrue(again.out().contains("skipped    program_drop_doc 1\n"), again.out());

        ShownOutput shown = new CommittedOutputReader(JSON)
                .load(
                        dir.resolve("out").toString(),
                        out,
                        StorageResolver.localOnly()::openInput,
                        null,
                        new ShowSelection(null, "doc-7", null, 10));
        ShownOutput.Counts documents = shown.counts();
        assertEquals(
                List.of(30L, 28L, 1L, 1L),
                List.of(documents.read(), documents.written(), documents.rejected(), documents.skipped()),
                documents.toString());
        assertEquals(
                List.of(ShownResult.Outcome.skipped),
                shown.documents().get(0).results().stream()
                        .map(ShownResult::outcome)
                        .toList());
    }

    /** read, written, rejected, skipped of a receipt's counts or of tally's totals. */
    /** The simulator serving "sim" at once, its answers and faults set by the rules file. */
    private static ModelSimServer simulator(Path rules) throws Exception {
        return ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .zeroLatency()
                        .rulesFile(rules)
                        .build(),
                "127.0.0.1",
                0);
    }

    private static List<Long> counts(JsonNode counts) {
        return List.of(
                counts.path("read").asLong(),
                counts.path("written").asLong(),
                counts.path("rejected").asLong(),
                counts.path("skipped").asLong());
    }

    /** The job file, reading each record's id from {@code doc_id} and its text from {@code body}, one attempt. */
    private static Path readingDocIdAndBody(Path job) throws IOException {
        Files.writeString(
                job,
                Files.readString(job)
                        .replace("  input:\n", "  input:\n    textField: body\n    idField: doc_id\n")
                        .replace("  workers:\n", "  retry:\n    attemptsPerShard: 1\n  workers:\n"));
        return job;
    }

    /** What the command printed on stdout; it must succeed. */
    private static String stdout(String... args) {
        CliRun run = CliRun.of(args);
        assertEquals(0, run.exit(), run.err());
        return run.out();
    }

    /** A committed output of 30 documents, one of them a model_error reject; returns the job file. */
    private Path runWithOneModelErrorReject() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 30);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(
                rules,
                "rules:\n  - name: poison\n    match: 'record number 7\\.'\n    on: document\n    fault: server_error\n");
        try (ModelSimServer failing = simulator(rules)) {
            Path job = JobFiles.write(dir.resolve("job"), dir.resolve("in"), dir.resolve("out"), failing.baseUrl(), 16);
            Files.writeString(
                    job,
                    Files.readString(job).replace("  workers:\n", "  retry:\n    attemptsPerShard: 1\n  workers:\n"));
            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "local", "-f", job.toString(), "--backoff-base", "PT0.005S", "--backoff-cap", "PT0.05S"));
            return job;
        }
    }

    private static CliRun retry(Path job, String... extra) {
        List<String> args = new ArrayList<>(List.of("retry-rejects", "-f", job.toString(), "--reason", "model_error"));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void aRetryRoundIsMadeWithTheCampaignsRecipeModelAndInputOrNotAtAll() throws Exception {
        Path job = runWithOneModelErrorReject();
        FileStorage out = new FileStorage(dir.resolve("out"));
        String original = Files.readString(job);
        // the campaign as a job of namespace team-a planned it (a job that names no namespace compares none)
        Path marker = dir.resolve("out/_palimpsest/recipe.json");
        Files.writeString(marker, Files.readString(marker).replace("\"job\":", "\"namespace\":\"team-a\",\"job\":"));
        try (ModelSimServer well = ModelSimServer.start(
                        SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0);
                ModelSimServer other = ModelSimServer.start(
                        SimConfig.builder().modelName("other").zeroLatency().build(), "127.0.0.1", 0)) {
            String[][] changes = {
                {"seed: 1}", "seed: 2}", "recipe drift: ", well.baseUrl()},
                {"servedModelName: sim", "servedModelName: other", "this job's model is 'other'", other.baseUrl()},
                {"  input:\n", "  input:\n    textField: body\n", "input.textField 'text' -> 'body'", well.baseUrl()},
                {
                    "  name: e2e\n",
                    "  name: e2e\n  namespace: team-b\n",
                    "holds the output of job 'team-a/e2e', and this is job 'team-b/e2e' (another namespace",
                    well.baseUrl()
                }
            };
            for (String[] change : changes) {
                Files.writeString(job, original.replace(change[0], change[1]));
                CliRun refused = retry(job, "--endpoint", change[3]);
                assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
                assertTrue(refused.err().contains(change[2]), change[2] + ": " + refused.err());
                assertFalse(out.exists("retries/round-001-input/retried.jsonl"), "no round started");
            }
            Files.writeString(job, original);
            assertEquals(
                    0,
                    well.requestLog().completions().size()
                            + other.requestLog().completions().size());
        }
    }

    /**
     * With routes, a document routed to one variant and rejected there got no output at all: it is run again. Only a
     * document written in another variant is left out as such, whatever the variants it was not routed to.
     */
    @Test
    void aRoutedDocumentRejectedInItsOnlyVariantIsRunAgainNotTakenAsWrittenElsewhere() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            corpus.append("{\"id\":\"d-")
                    .append(i)
                    .append("\",\"kind\":\"")
                    .append(i % 2 == 0 ? "narrow" : "wide")
                    .append("\",\"text\":\"Record number ")
                    .append(i)
                    .append(" tells of the harbour and its boats.\"}\n");
        }
        Files.writeString(in.resolve("corpus.jsonl"), corpus.toString());
        Path job = dir.resolve("job.yaml");
        Files.writeString(job, """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriterModel
                metadata:
                  name: sim
                spec:
                  servedModelName: sim
                  endpoint:
                    url: http://127.0.0.1:9
                ---
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata:
                  name: routed
                spec:
                  modelRef: {name: sim}
                  input:
                    uri: %s
                  output:
                    uri: %s
                  recipe:
                    routes:
                      - when: "meta.kind == 'narrow'"
                        variants: [strict]
                      - variants: [strict, plain]
                    prompts:
                      - name: strict
                        user: "Rewrite the document. <document>{{ text }}</document>"
                        sampling: {temperature: 0, maxTokens: 256, seed: 1}
                        validators:
                          - {type: length, min: 1000}
                      - name: plain
                        user: "Rewrite the document plainly. <document>{{ text }}</document>"
                        sampling: {temperature: 0, maxTokens: 256, seed: 1}
                """.formatted(in.toUri(), dir.resolve("out").toUri()));
        assertEquals(0, PalimpsestCli.execute("local", "-f", job.toString(), "--simulate"));

        CliRun retry = CliRun.of("retry-rejects", "-f", job.toString(), "--reason", "length", "--simulate");

        assertEquals(0, retry.exit(), retry.text());
        assertTrue(
                retry.err()
                        .contains("rejects with reason [length]: 3 to run again in round 1; 3 left out: written in"
                                + " another variant"),
                retry.err());
        List<String> again = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("out/retries/round-001-input/retried.jsonl"))) {
            again.add(JSON.readTree(line).path("id").asText());
        }
        assertEquals(List.of("d-0", "d-2", "d-4"), again.stream().sorted().toList());
    }

    /** A reason no reject has: nothing to run, and the message says no round was made (not "0 ... in round 1"). */
    @Test
    void aReasonNoRejectHasMakesNoRoundAndSaysSo() throws Exception {
        Path job = runWithOneModelErrorReject();
        FileStorage out = new FileStorage(dir.resolve("out"));
        try (ModelSimServer well = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            CliRun none = CliRun.of(
                    "retry-rejects", "-f", job.toString(), "--reason", "refusal", "--endpoint", well.baseUrl());
            assertEquals(0, none.exit(), none.err());
            assertTrue(
                    none.err().contains("rejects with reason [refusal]: none to run again, no retry round made"),
                    none.err());
            assertFalse(none.err().contains("in round"), none.err());
            assertFalse(out.exists("retries/round-001-input/retried.jsonl"), "no round started");
            assertEquals(0, well.requestLog().completions().size());
        }
    }

    @Test
    void simulatedRetryRoundsAndRealCampaignsAreNeverMixed() throws Exception {
        Path job = runWithOneModelErrorReject();
        FileStorage out = new FileStorage(dir.resolve("out"));

        CliRun simulated = retry(job, "--simulate");

        assertEquals(ExitCodes.MODEL_CONFIG, simulated.exit(), simulated.err());
        assertTrue(simulated.err().contains("holds work of a real model"), simulated.err());
        assertFalse(out.exists("retries/round-001-input/retried.jsonl"), "no simulated round in a real campaign");

        // a simulated round left by an earlier version: a real retry does not take it as done
        out.put("retries/round-001-input/documents.jsonl", "{\"id\":\"doc-7\",\"text\":\"x\"}\n".getBytes());
        out.put("retries/round-001/_palimpsest/simulated.json", "{\"simulated\":true}".getBytes());
        try (ModelSimServer well = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            CliRun real = retry(job, "--endpoint", well.baseUrl());
            assertEquals(ExitCodes.MODEL_CONFIG, real.exit(), real.err());
            assertTrue(real.err().contains("retry round 1") && real.err().contains("built-in simulator"), real.err());
            assertEquals(0, well.requestLog().completions().size());
        }
    }
}
