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
import org.junit.jupiter.params.provider.ValueSource;

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

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"estimate", "server"})
    void chunksAndPreviousChunksAreCutToFitTheContextWithTheChatTemplatesTokens(String tokenizer) throws Exception {
        Files.createDirectories(dir.resolve("in"));
        StringBuilder docs = new StringBuilder();
        for (int d = 0; d < 4; d++) {
            // one long run of short lines: the packer fills each chunk to within a token or two of its budget
            StringBuilder text = new StringBuilder();
            for (int line = 0; line < 700 + 90 * d; line++) {
                text.append("Harbour ").append(line % 97).append(" light.\n");
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
            Files.writeString(job, manifests(sim.baseUrl(), tokenizer));

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
            assertEquals(List.of(4L, 4L, 0L, 0L), documents, run.out());
            assertEquals(documents.get(0), documents.get(1) + documents.get(2) + documents.get(3));
            int fullest = calls.stream()
                    .mapToInt(c -> c.outcome().orElseThrow().promptTokens())
                    .max()
                    .orElseThrow();
            // the budget is spent: the fullest request comes within a few tokens of the context, so a template's
            // tokens left out of the count would have taken it over
            assertTrue(
                    fullest + REPLY > MAX_MODEL_LEN - 40,
                    "the fullest request has " + fullest + " prompt tokens: " + calls.size() + " calls, "
                            + calls.stream()
                                    .map(c -> String.valueOf(
                                            c.outcome().orElseThrow().promptTokens()))
                                    .collect(Collectors.joining(",")));
            assertTrue(calls.size() >= 12, calls.size() + " calls: every document is several chunks");
        }
    }

    private String manifests(String endpoint, String tokenizer) {
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
                      maxTokens: 2000
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
