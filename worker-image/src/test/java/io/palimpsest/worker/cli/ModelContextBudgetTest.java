package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.RequestOutcome;
import io.palimpsest.sim.SimConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A recipe without {@code maxInputTokens} is still held to the model's context when the model says what it is
 * ({@code engine.maxModelLen}): each variant's requests to that less its {@code sampling.maxTokens}, the chat template's
 * tokens counted. An autoregressive recipe that carries its earlier rewrites grew its requests past the context, and the
 * server refused them (HTTP 400), each a document's {@code model_rejected} reject for the recipe's sizing; now the
 * earlier rewrites are left out, oldest first, to fit, the chunks are packed to fit, and a document that cannot fit
 * alone is skipped {@code input_too_long} without a request. The worker runs against the simulator over HTTP, its
 * context the model's.
 */
class ModelContextBudgetTest {
    private static final Pattern DOCUMENTS =
            Pattern.compile("(?m)^documents  read (\\d+), written (\\d+), rejected (\\d+), skipped (\\d+)$");
    private static final int MAX_MODEL_LEN = 1000;
    private static final int REPLY = 500;
    private static final int DOCUMENTS_IN = 6;

    @TempDir
    Path dir;

    /**
     * @param chunkTokens {@code chunking.maxTokens}: under the budget, two previous rewrites travel with each chunk and
     *                    took the requests over the context (refused before); over it, each chunk was packed to 2000
     *                    tokens whatever the context (refused before)
     */
    @ParameterizedTest
    @CsvSource({"estimate, 170", "server, 170", "estimate, 2000", "server, 2000"})
    void earlierRewritesAndChunksAreCutToTheModelsContext(String tokenizer, int chunkTokens) throws Exception {
        writeDocuments(d -> 400 + 30 * d);
        Run r = run(MAX_MODEL_LEN, autoregressive(chunkTokens), tokenizer);

        assertEquals(List.of(), r.refused(), "no request is refused for its length\n" + r.run.out());
        assertEquals(ExitCodes.DONE, r.run.exit(), r.run.err() + r.run.out());
        List<Long> documents = documents(r.run.out());
        assertEquals(List.of((long) DOCUMENTS_IN, (long) DOCUMENTS_IN, 0L, 0L), documents, r.run.out());
        assertTrue(r.calls.size() >= 12, r.calls.size() + " calls: every document is several chunks");
        if (chunkTokens < MAX_MODEL_LEN - REPLY) {
            assertTrue(
                    r.calls.stream().anyMatch(c -> c.prompt().orElse("").contains("<previous>")),
                    "earlier rewrites travel with later chunks, as many as fit");
        }
    }

    /** A whole document that cannot fit the context with its reply cap is skipped without a request; the rest fit. */
    @ParameterizedTest
    @CsvSource({"estimate", "server"})
    void aDocumentThatCannotFitAloneIsSkippedNotSent(String tokenizer) throws Exception {
        writeDocuments(d -> d % 2 == 0 ? 30 + d : 400 + 30 * d);
        Run r = run(MAX_MODEL_LEN, WHOLE, tokenizer);

        assertEquals(List.of(), r.refused(), "no request is refused for its length\n" + r.run.out());
        assertEquals(ExitCodes.DONE, r.run.exit(), r.run.err() + r.run.out());
        List<Long> documents = documents(r.run.out());
        assertEquals(List.of((long) DOCUMENTS_IN, 3L, 0L, 3L), documents, r.run.out());
        assertEquals(documents.get(0), documents.get(1) + documents.get(2) + documents.get(3));
        assertEquals(3, r.calls.size(), "only the documents that fit are sent");
        String skips = skipped();
        assertTrue(skips.contains("input_too_long"), skips);
        assertTrue(skips.contains("engine.maxModelLen 1000 - sampling.maxTokens 500"), skips);
    }

    /**
     * {@code local --simulate}: the built-in simulator's context is the model's {@code engine.maxModelLen}, or its
     * own when the spec sets none (here made 1000); either way the one it refuses past, and the worker's.
     */
    @ParameterizedTest
    @CsvSource({"true", "false"})
    void theBuiltInSimulatorsContextHoldsTheRequestsToo(boolean inSpec) throws Exception {
        writeDocuments(d -> d % 2 == 0 ? 30 + d : 400 + 30 * d);
        Path job = dir.resolve("job.yaml");
        Files.writeString(job, manifests("http://127.0.0.1:9", inSpec ? MAX_MODEL_LEN : null, WHOLE, "estimate"));
        UnaryOperator<SimConfig.Builder> tuning = LocalCommand.LocalModel.simulatorTuning;
        try {
            LocalCommand.LocalModel.simulatorTuning = inSpec
                    ? SimConfig.Builder::zeroLatency
                    : b -> b.zeroLatency().maxModelLen(MAX_MODEL_LEN);
            CliRun run = CliRun.of(
                    "local",
                    "-f",
                    job.toString(),
                    "--simulate",
                    "--backoff-base",
                    "PT0.005S",
                    "--backoff-cap",
                    "PT0.05S");
            assertEquals(ExitCodes.DONE, run.exit(), run.err() + run.out());
            assertEquals(List.of((long) DOCUMENTS_IN, 3L, 0L, 3L), documents(run.out()), run.out());
            String skips = skipped();
            assertFalse(skips.contains("model_rejected"), skips);
            assertTrue(skips.contains("engine.maxModelLen 1000 - sampling.maxTokens 500"), skips);
        } finally {
            LocalCommand.LocalModel.simulatorTuning = tuning;
        }
    }

    /**
     * A cluster's worker: {@code plan}, then {@code run} of each shard, with the model's context from the resolved job
     * ({@code engine.maxModelLen}, as the operator resolves it for the worker pods) as {@code local} has it.
     */
    @Test
    void aWorkersRunHoldsTheRequestsToTheResolvedModelsContext() throws Exception {
        writeDocuments(d -> 400 + 30 * d);
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .zeroLatency()
                        .maxModelLen(MAX_MODEL_LEN)
                        .build(),
                "127.0.0.1",
                0)) {
            Path job = dir.resolve("job.yaml");
            Files.writeString(job, manifests(sim.baseUrl(), MAX_MODEL_LEN, autoregressive(170), "estimate"));
            CliRun plan = CliRun.of("plan", "-f", job.toString(), "--termination-log", "");
            assertEquals(0, plan.exit(), plan.err() + plan.out());
            CliRun run = CliRun.of(
                    "run",
                    "-f",
                    job.toString(),
                    "--shard",
                    "0",
                    "--termination-log",
                    "",
                    "--backoff-base",
                    "PT0.005S",
                    "--backoff-cap",
                    "PT0.05S");
            assertEquals(ExitCodes.DONE, run.exit(), run.err() + run.out());
            Run r = new Run(run, sim.requestLog().completions());
            assertEquals(List.of(), r.refused(), "no request is refused for its length\n" + run.err());
            assertTrue(r.calls.size() >= 12, r.calls.size() + " calls");
            assertFalse(skipped().contains("model_rejected"), skipped());
        }
    }

    /** An endpoint that does not say its context: the recipe's own limits only, as before (the server refuses). */
    @Test
    void withoutTheModelsContextNothingIsCut() throws Exception {
        writeDocuments(d -> 400 + 30 * d);
        Run r = run(null, autoregressive(170), "estimate");

        assertFalse(r.refused().isEmpty(), "the grown requests go to the server, which refuses them");
        List<Long> documents = documents(r.run.out());
        assertEquals(documents.get(0), documents.get(1) + documents.get(2) + documents.get(3), r.run.out());
        assertTrue(documents.get(2) > 0, r.run.out());
    }

    private record Run(CliRun run, List<LoggedRequest> calls) {
        List<RequestOutcome> refused() {
            return calls.stream()
                    .map(c -> c.outcome().orElseThrow())
                    .filter(o -> o.status() != 200)
                    .toList();
        }
    }

    private static final String WHOLE = "mode: none";

    private static String autoregressive(int chunkTokens) {
        return "mode: autoregressive, splitOn: newline, maxTokens: " + chunkTokens + ", contextChunks: 2";
    }

    /** Runs {@code local} against a simulator of a 1000-token context; the model says so when {@code maxModelLen} is set. */
    private Run run(Integer maxModelLen, String chunking, String tokenizer) throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .zeroLatency()
                        .maxModelLen(MAX_MODEL_LEN)
                        .build(),
                "127.0.0.1",
                0)) {
            Path job = dir.resolve("job.yaml");
            Files.writeString(job, manifests(sim.baseUrl(), maxModelLen, chunking, tokenizer));
            CliRun run =
                    CliRun.of("local", "-f", job.toString(), "--backoff-base", "PT0.005S", "--backoff-cap", "PT0.05S");
            return new Run(run, sim.requestLog().completions());
        }
    }

    private void writeDocuments(java.util.function.IntUnaryOperator lines) throws Exception {
        Files.createDirectories(dir.resolve("in"));
        StringBuilder docs = new StringBuilder();
        for (int d = 0; d < DOCUMENTS_IN; d++) {
            StringBuilder text = new StringBuilder();
            for (int line = 0; line < lines.applyAsInt(d); line++) {
                text.append("Harbour ")
                        .append(line % 97)
                        .append(" light")
                        .append(" at sea".repeat(d % 3))
                        .append(".\n");
            }
            docs.append("{\"id\":\"doc-")
                    .append(d)
                    .append("\",\"text\":\"")
                    .append(text.toString().replace("\n", "\\n"))
                    .append("\"}\n");
        }
        Files.writeString(dir.resolve("in/long.jsonl"), docs.toString());
    }

    /** Every skip and reject record the run wrote (the rejects files). */
    private String skipped() throws Exception {
        StringBuilder all = new StringBuilder();
        try (var files = Files.walk(dir.resolve("out"))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                if (p.toString().contains("/_palimpsest/rejects/")) {
                    all.append(p).append(":\n").append(readMaybeCompressed(p)).append('\n');
                }
            }
        }
        return all.toString();
    }

    private static String readMaybeCompressed(Path p) throws Exception {
        byte[] bytes = Files.readAllBytes(p);
        if (p.toString().endsWith(".zst")) {
            try (var in = new com.github.luben.zstd.ZstdInputStream(new java.io.ByteArrayInputStream(bytes))) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        if (p.toString().endsWith(".gz")) {
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    private String manifests(String endpoint, Integer maxModelLen, String chunking, String tokenizer) {
        return """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriterModel
                metadata:
                  name: sim
                spec:
                  servedModelName: sim
                  endpoint:
                    url: %s
                %s---
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata:
                  name: context
                spec:
                  modelRef: {name: sim}
                  input:
                    uri: %s
                  output:
                    uri: %s
                  retry:
                    attemptsPerShard: 1
                  recipe:
                    tokenizer: {mode: %s}
                    chunking: {%s}
                    prompts:
                      - name: retold
                        system: You retell reference material in fresh prose without losing any fact.
                        user: |
                          {%% if previous %%}Your retelling so far: <previous>{{ previous | join("\\n") }}</previous>
                          {%% endif %%}Retell the next passage. <document>{{ text }}</document>
                        sampling: {temperature: 0, maxTokens: %d, seed: 1}
                """.formatted(
                        endpoint,
                        maxModelLen == null ? "" : "  engine:\n    maxModelLen: " + maxModelLen + "\n",
                        dir.resolve("in").toUri(),
                        dir.resolve("out").toUri(),
                        tokenizer,
                        chunking,
                        REPLY);
    }

    /** read, written, rejected, skipped of the summary's documents line. */
    private static List<Long> documents(String text) {
        Matcher m = DOCUMENTS.matcher(text);
        assertTrue(m.find(), "a documents line in\n" + text);
        List<Long> figures = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            figures.add(Long.parseLong(m.group(i)));
        }
        return figures;
    }
}
