package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A chat request's prompt is what the server's chat template makes of its messages: role markers, each message's
 * wrapping and the generation prompt come on top of the messages' own text, and the server holds all of it to its
 * context. An autoregressive recipe whose {@code maxInputTokens} is the model's context minus
 * {@code sampling.maxTokens} packs its chunks, and keeps its previous rewritten chunks, to that budget; counted by the
 * messages' text alone, a full chunk's request was over the context by the template's tokens, and the server refused
 * it (HTTP 400), a {@code model_rejected} reject for each long document. Here the worker runs against the simulator
 * over HTTP, whose chat template adds a few tokens to every message as vLLM's do, with either token counter.
 */
class ChatTemplateBudgetTest {
    private static final Pattern DOCUMENTS =
            Pattern.compile("(?m)^documents  read (\\d+), written (\\d+), rejected (\\d+), skipped (\\d+)$");
    private static final int MAX_MODEL_LEN = 1000;
    private static final int REPLY = 500;
    private static final int DOCUMENTS_IN = 6;

    @TempDir
    Path dir;

    /**
     * @param chunkTokens {@code chunking.maxTokens}: over the budget, each chunk is packed to the budget itself
     *                    (the case seen refused before: a full chunk's request was over the context by the
     *                    template's tokens); under it, the two previous rewritten chunks travel with the next
     *                    chunk, and are left out, oldest first, where the request would not fit (at 170, two
     *                    previous rewrites and a chunk of these documents made requests the messages' text put
     *                    within the budget and the template 5 tokens over the context: refused before)
     */
    @ParameterizedTest
    @CsvSource({"estimate, 2000", "server, 2000", "estimate, 170", "server, 170"})
    void chunksAndPreviousChunksAreCutToFitTheContextWithTheChatTemplatesTokens(String tokenizer, int chunkTokens)
            throws Exception {
        Files.createDirectories(dir.resolve("in"));
        StringBuilder docs = new StringBuilder();
        for (int d = 0; d < DOCUMENTS_IN; d++) {
            // long runs of short lines, of a different length in each document: the packer fills each chunk to
            // within a line of its budget, and the chunks and rewrites of the documents differ in size
            StringBuilder text = new StringBuilder();
            for (int line = 0; line < 400 + 30 * d; line++) {
                text.append("Harbour ")
                        .append(line % 97)
                        .append(" light")
                        .append(" at sea".repeat(d % 3))
                        .append(d >= 3 ? " tonight" : "")
                        .append(".\n");
            }
            docs.append("{\"id\":\"doc-")
                    .append(d)
                    .append("\",\"text\":\"")
                    .append(text.toString().replace("\n", "\\n"))
                    .append("\"}\n");
        }
        Files.writeString(dir.resolve("in/long.jsonl"), docs.toString());
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .zeroLatency()
                        .maxModelLen(MAX_MODEL_LEN)
                        .build(),
                "127.0.0.1",
                0)) {
            Path job = dir.resolve("job.yaml");
            Files.writeString(job, manifests(sim.baseUrl(), tokenizer, chunkTokens));

            CliRun run =
                    CliRun.of("local", "-f", job.toString(), "--backoff-base", "PT0.005S", "--backoff-cap", "PT0.05S");

            List<LoggedRequest> calls = sim.requestLog().completions();
            List<RequestOutcome> refused = calls.stream()
                    .map(c -> c.outcome().orElseThrow())
                    .filter(o -> o.status() != 200)
                    .toList();
            assertEquals(List.of(), refused, "no request is refused for its length");
            assertEquals(ExitCodes.DONE, run.exit(), run.err() + run.out());
            List<Long> documents = documents(run.out());
            assertEquals(List.of((long) DOCUMENTS_IN, (long) DOCUMENTS_IN, 0L, 0L), documents, run.out());
            assertEquals(documents.get(0), documents.get(1) + documents.get(2) + documents.get(3));
            if (chunkTokens >= MAX_MODEL_LEN - REPLY) {
                int fullest = calls.stream()
                        .mapToInt(c -> c.outcome().orElseThrow().promptTokens())
                        .max()
                        .orElseThrow();
                // the budget is spent: the fullest request comes within a few tokens of the context, so a
                // template's tokens left out of the count would have taken it over
                assertTrue(
                        fullest + REPLY > MAX_MODEL_LEN - 40,
                        "the fullest request has " + fullest + " prompt tokens: " + calls.size() + " calls, "
                                + calls.stream()
                                        .map(c -> String.valueOf(
                                                c.outcome().orElseThrow().promptTokens()))
                                        .collect(Collectors.joining(",")));
            }
            assertTrue(calls.size() >= 12, calls.size() + " calls: every document is several chunks");
            if (chunkTokens < MAX_MODEL_LEN - REPLY) {
                assertTrue(
                        calls.stream().anyMatch(c -> c.prompt().orElse("").contains("<previous>")),
                        "earlier rewrites travel with later chunks");
            }
        }
    }

    private String manifests(String endpoint, String tokenizer, int chunkTokens) {
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
                  name: template
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
                    chunking:
                      mode: autoregressive
                      splitOn: newline
                      maxTokens: %d
                      contextChunks: 2
                    prompts:
                      - name: retold
                        system: You retell reference material in fresh prose without losing any fact.
                        user: |
                          {%% if previous %%}Your retelling so far: <previous>{{ previous | join("\\n") }}</previous>
                          {%% endif %%}Retell the next passage. <document>{{ text }}</document>
                        maxInputTokens: %d
                        sampling: {temperature: 0, maxTokens: %d, seed: 1}
                """.formatted(
                        endpoint,
                        dir.resolve("in").toUri(),
                        dir.resolve("out").toUri(),
                        tokenizer,
                        chunkTokens,
                        MAX_MODEL_LEN - REPLY,
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
