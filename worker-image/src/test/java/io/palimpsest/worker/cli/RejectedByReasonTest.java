package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.Outputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why documents were rejected is said in words beside the totals: {@code tally}'s stderr and {@code local}'s
 * summary print a {@code rejected} line by reason (as the {@code skipped} line), with the same figures for the
 * same output, and its reasons sum to the {@code rejected} of the {@code documents} line above it, as the skipped
 * line's sum to its {@code skipped}, retry rounds included (a document a round ran again counts as the round ended it:
 * one the round skipped is a skip, under the round's reason).
 */
class RejectedByReasonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DOCUMENTS =
            Pattern.compile("(?m)^documents  read (\\d+), written (\\d+), rejected (\\d+), skipped (\\d+)$");

    @TempDir
    Path dir;

    @Test
    void tallyAndLocalSayWhyDocumentsWereRejectedAndTheReasonsSumToTheRejectedCount() throws Exception {
        // two shards of 10: "The river" (record 0 and 5) is filtered out, record 7 fails at the server every
        // time (model_error), record 3 is answered empty (empty_output)
        Corpus.writeJsonl(dir.resolve("in/a.jsonl"), "a", 10);
        Corpus.writeJsonl(dir.resolve("in/b.jsonl"), "b", 10);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                rules:
                  - name: poison
                    match: 'record number 7\\.'
                    on: document
                    fault: server_error
                  - name: blank
                    match: 'record number 3\\.'
                    on: document
                    fault: empty
                """);
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .zeroLatency()
                        .rulesFile(rules)
                        .build(),
                "127.0.0.1",
                0)) {
            Path job = dir.resolve("job.yaml");
            Files.writeString(job, manifests(sim.baseUrl()));
            String[] local = {"local", "-f", job.toString(), "--backoff-base", "PT0.005S", "--backoff-cap", "PT0.05S"};

            CliRun run = CliRun.of(local);
            assertEquals(ExitCodes.DONE, run.exit(), run.err());
            assertEquals(List.of(20L, 12L, 4L, 4L), documents(run.out()), run.out());
            CliRun tally = CliRun.of("tally", "-f", job.toString());
            assertEquals(ExitCodes.DONE, tally.exit(), tally.err());
            JsonNode totals = JSON.readTree(tally.out());
            assertEquals(4, totals.path("rejected").asLong(), tally.out());
            assertEquals(
                    Map.of("model_error", 2, "empty_output", 2),
                    JSON.convertValue(totals.path("rejectedByReason"), Map.class),
                    tally.out());
            // most documents first, ties by name, as the skipped line
            assertEquals("empty_output 2, model_error 2", line("rejected", tally.err()), tally.err());
            assertEquals("empty_output 2, model_error 2", line("rejected", run.out()), run.out());
            assertEquals("filter:regex 4", line("skipped", run.out()), run.out());

            // a committed retry round of the four rejects: in shard 0 one is written and one skipped (too_short),
            // in shard 1 one is rejected (truncation) and one skipped; each counts as the round ended it, so rejected
            // goes from 4 to 1 and skipped from 4 to 6
            Path out = dir.resolve("out");
            retryRound(
                    out,
                    Map.of(0, counts(2, 1, 0, Map.of(), Map.of("too_short", 1L))),
                    Map.of(1, counts(2, 0, 1, Map.of("truncation", 1L), Map.of("too_short", 1L))));

            CliRun again = CliRun.of("tally", "-f", job.toString());
            assertEquals(ExitCodes.DONE, again.exit(), again.err());
            assertEquals(1, JSON.readTree(again.out()).path("rejected").asLong(), again.out());
            assertEquals(List.of(20L, 13L, 1L, 6L), documents(again.err()), again.err());
            assertEquals("truncation 1", line("rejected", again.err()), again.err());
            assertEquals("filter:regex 4, too_short 2", line("skipped", again.err()), again.err());

            CliRun rerun = CliRun.of(local);
            assertEquals(ExitCodes.DONE, rerun.exit(), rerun.err());
            assertEquals(List.of(20L, 13L, 1L, 6L), documents(rerun.out()), rerun.out());
            assertEquals("truncation 1", line("rejected", rerun.out()), rerun.out());
            assertEquals("filter:regex 4, too_short 2", line("skipped", rerun.out()), rerun.out());
            for (String text : List.of(again.err(), rerun.out())) {
                assertEquals(documents(text).get(2), sum(line("rejected", text)), text);
                assertEquals(documents(text).get(3), sum(line("skipped", text)), text);
            }
        }
    }

    private String manifests(String endpoint) {
        return """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriterModel
                metadata:
                  name: sim
                spec:
                  servedModelName: sim
                  endpoint:
                    url: %s
                ---
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata:
                  name: rejects
                spec:
                  modelRef: {name: sim}
                  input:
                    uri: %s
                  output:
                    uri: %s
                  sharding:
                    filesPerShard: 1
                  retry:
                    attemptsPerShard: 1
                  recipe:
                    preFilters:
                      - type: regex
                        pattern: "The river"
                    prompts:
                      - name: plain
                        user: "Rewrite the document. <document>{{ text }}</document>"
                        sampling: {temperature: 0, maxTokens: 512, seed: 1}
                """.formatted(
                        endpoint, dir.resolve("in").toUri(), dir.resolve("out").toUri());
    }

    private static ObjectNode counts(
            long read, long written, long rejected, Map<String, Long> reasons, Map<String, Long> skipReasons) {
        ObjectNode counts = JSON.createObjectNode();
        counts.put("read", read);
        counts.put("written", written);
        counts.put("rejected", rejected);
        counts.put("skipped", read - written - rejected);
        counts.set("variants", JSON.valueToTree(written == 0 ? Map.of() : Map.of("plain", written)));
        counts.set("reasons", JSON.valueToTree(reasons));
        counts.set("skipReasons", JSON.valueToTree(skipReasons));
        return counts;
    }

    /**
     * Round 1 as retry-rejects commits it: its input (the run's rejects, each with the reason it is retried for),
     * its plan (the run's shards) and a receipt per shard with the given counts.
     */
    @SafeVarargs
    private void retryRound(Path out, Map<Integer, ObjectNode>... counts) throws Exception {
        StringBuilder input = new StringBuilder();
        try (var files = Files.list(out.resolve("_palimpsest/rejects"))) {
            for (Path rejects : files.toList()) {
                String key = "_palimpsest/rejects/" + rejects.getFileName();
                for (JsonNode reject : Outputs.read(new FileStorage(out), key)) {
                    ObjectNode document = JSON.createObjectNode();
                    document.put("id", reject.path("id").asText());
                    document.put("text", "retried");
                    document.putArray("retriedFor").add(reject.path("reason").asText());
                    input.append(document).append('\n');
                }
            }
        }
        Path round = out.resolve("retries/round-001");
        Files.createDirectories(out.resolve("retries/round-001-input"));
        Files.writeString(out.resolve("retries/round-001-input/retried.jsonl"), input.toString());
        Files.createDirectories(round.resolve("_palimpsest/receipts"));
        Files.copy(out.resolve(ShardManifest.KEY), round.resolve(ShardManifest.KEY));
        for (Map<Integer, ObjectNode> shard : counts) {
            shard.forEach((index, c) -> {
                String name = String.format("_palimpsest/receipts/shard-%05d.json", index);
                try {
                    ObjectNode receipt =
                            (ObjectNode) JSON.readTree(out.resolve(name).toFile());
                    receipt.set("counts", c);
                    Files.writeString(round.resolve(name), receipt.toString());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    /** read, written, rejected, skipped of the text's documents line. */
    private static List<Long> documents(String text) {
        Matcher m = DOCUMENTS.matcher(text);
        assertTrue(m.find(), "a documents line in\n" + text);
        List<Long> figures = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            figures.add(Long.parseLong(m.group(i)));
        }
        return figures;
    }

    private static String line(String name, String text) {
        Matcher m = Pattern.compile("(?m)^" + name + " +(.*)$").matcher(text);
        assertTrue(m.find(), "a " + name + " line in\n" + text);
        return m.group(1);
    }

    /** "filter:regex 4, too_short 2" -> 6 */
    private static long sum(String byReason) {
        return Arrays.stream(byReason.split(", "))
                .mapToLong(r -> Long.parseLong(r.substring(r.lastIndexOf(' ') + 1)))
                .sum();
    }
}
