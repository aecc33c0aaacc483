package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.testing.ModelGateway;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refusal of a field, through the real CLI, names the manifest file and line of the field ahead of its words, as
 * lint does: a RewriterModel's field in the model's own file (here model.yaml beside job.yaml), whether it is refused
 * before the plan or by the server at its first call, and the input and output fields refused by every command that
 * reads manifests ({@code local}, {@code preview}, {@code retry-rejects}).
 */
class RefusalLinesTest {

    @TempDir
    Path tmp;

    Path manifests;

    @BeforeEach
    void copyQuickstart() throws IOException {
        manifests = QuickstartCopy.into(tmp);
    }

    /** The quickstart's model replaced by a server of its own at {@code url}, serving as {@code servedName}. */
    private void modelAt(String url, String servedName) throws IOException {
        Files.writeString(
                manifests.resolve("model.yaml"),
                "apiVersion: palimpsest.io/v1alpha1\n"
                        + "kind: RewriterModel\n"
                        + "metadata:\n"
                        + "  name: qwen-small\n"
                        + "spec:\n"
                        + "  # a server already running\n"
                        + "  servedModelName: " + servedName + "\n"
                        + "  endpoint:\n"
                        + "    url: " + url + "\n");
    }

    private int lineOf(String file, String text) throws IOException {
        List<String> lines = Files.readAllLines(manifests.resolve(file));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " is not in " + file);
    }

    private void editJob(String from, String to) throws IOException {
        Path job = manifests.resolve("job.yaml");
        String text = Files.readString(job);
        assertTrue(text.contains(from), from);
        Files.writeString(job, text.replace(from, to));
    }

    private CliRun preview(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "preview",
                "-f",
                manifests.toString(),
                "--sample",
                "4",
                "--tokens-per-second-per-replica",
                "2000",
                "--out",
                tmp.resolve("report").toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void aModelEndpointEndingInV1IsRefusedAtItsLineInTheModelFile() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("qwen-small").zeroLatency().build(), "127.0.0.1", 0)) {
            String base = sim.baseUrl().replaceAll("/+$", "");
            modelAt(base + "/v1", "qwen-small");
            CliRun run = CliRun.of(
                    "local",
                    "-f",
                    manifests.toString(),
                    "--out",
                    tmp.resolve("out").toString());
            assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
            assertTrue(
                    run.err()
                            .contains("palimpsest local: " + manifests.resolve("model.yaml") + ":"
                                    + lineOf("model.yaml", "url: ") + ": spec.endpoint.url: the model endpoint "
                                    + base + "/v1 (RewriterModel 'qwen-small' spec.endpoint.url) ends in /v1"),
                    run.err());
            assertEquals(0, sim.requestLog().totalReceived(), "no request sent");
        }
    }

    @Test
    void aServedModelNameTheServerDoesNotKnowIsNamedAtItsLineInTheModelFile() throws Exception {
        // a gateway that lists the name while the server behind it does not serve it: the check before the plan
        // passes, and the first call is refused (a server that lists its models refuses the name before the plan:
        // EndpointStartCheckTest)
        try (ModelSimServer sim = ModelSimServer.start(
                        SimConfig.builder().modelName("real-name").zeroLatency().build(), "127.0.0.1", 0);
                ModelGateway gateway = ModelGateway.listing(sim.baseUrl(), List.of("wrong-name"))) {
            modelAt(gateway.url(), "wrong-name");
            String at = manifests.resolve("model.yaml") + ":" + lineOf("model.yaml", "servedModelName: ")
                    + ": spec.servedModelName: the model server refused the job's requests: POST ";

            CliRun local = CliRun.of(
                    "local",
                    "-f",
                    manifests.toString(),
                    "--out",
                    tmp.resolve("out").toString());
            assertEquals(ExitCodes.MODEL_CONFIG, local.exit(), local.err());
            assertTrue(local.err().contains("palimpsest local: " + at), local.err());
            // the server's words are said once, at the field's line: each shard's line and the summary point to it
            String words = "The model `wrong-name` does not exist";
            assertEquals(1, local.text().split(Pattern.quote(words), -1).length - 1, local.text());
            assertTrue(
                    local.err().matches("(?s).*palimpsest local: " + Pattern.quote(at) + "[^\n]*" + words + ".*"),
                    local.err());
            assertTrue(
                    local.err().contains("shard-00000 modelConfig exit=78 ")
                            && local.err()
                                    .contains(
                                            " message=\"the model server refused the job's requests: its answer is below the summary, at the manifest line to fix\""),
                    local.err());

            CliRun preview = preview();
            assertEquals(ExitCodes.MODEL_CONFIG, preview.exit(), preview.err());
            assertTrue(preview.err().contains("palimpsest preview: " + at), preview.err());
        }
    }

    @Test
    void aPathTheServerHasNoRouteForIsNamedAtTheEndpointsLineNotAtTheModelName() throws Exception {
        // the model's name is right; the URL carries a segment the server does not serve, so every request is
        // answered 404 {"detail": "Not Found"} (FastAPI's, as vLLM's), not the error naming an unknown model: refused
        // before the plan, as neither the model list nor the completion routes are found there
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("qwen-small").zeroLatency().build(), "127.0.0.1", 0)) {
            String base = sim.baseUrl().replaceAll("/+$", "");
            modelAt(base + "/serving", "qwen-small");
            String at = manifests.resolve("model.yaml") + ":" + lineOf("model.yaml", "url: ")
                    + ": spec.endpoint.url: the model endpoint " + base
                    + "/serving does not lead to an OpenAI-compatible API: GET ";

            CliRun local = CliRun.of(
                    "local",
                    "-f",
                    manifests.toString(),
                    "--out",
                    tmp.resolve("out").toString());
            assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
            assertTrue(local.err().contains("palimpsest local: " + at), local.err());
            assertTrue(local.err().contains("/serving/v1/chat/completions answered HTTP 404"), local.err());
            assertFalse(local.err().contains("servedModelName"), local.err());
            assertFalse(local.err().contains("planned "), local.err());

            CliRun preview = preview();
            assertEquals(ExitCodes.INVALID_JOB, preview.exit(), preview.err());
            assertTrue(preview.err().contains("palimpsest preview: " + at), preview.err());
        }
    }

    @Test
    void aCountRefusedForTheModelsNameIsNamedAtTheServedModelNamesLine() throws Exception {
        // tokenizer.mode: server asks /tokenize before the first document; its refusal of the name is the model's
        editJob("  recipe:\n", "  recipe:\n    tokenizer: {mode: server}\n");
        // behind a gateway that lists the name: the check before the plan passes it
        try (ModelSimServer sim = ModelSimServer.start(
                        SimConfig.builder().modelName("real-name").zeroLatency().build(), "127.0.0.1", 0);
                ModelGateway gateway = ModelGateway.listing(sim.baseUrl(), List.of("wrong-name"))) {
            modelAt(gateway.url(), "wrong-name");
            CliRun local = CliRun.of(
                    "local",
                    "-f",
                    manifests.toString(),
                    "--out",
                    tmp.resolve("out").toString());
            assertEquals(ExitCodes.MODEL_CONFIG, local.exit(), local.err());
            assertTrue(
                    local.err()
                            .contains("palimpsest local: " + manifests.resolve("model.yaml") + ":"
                                    + lineOf("model.yaml", "servedModelName: ")
                                    + ": spec.servedModelName: the model server refused the job's requests: POST "),
                    local.err());
            assertTrue(local.err().contains("/tokenize answered HTTP 404"), local.err());
        }
    }

    @Test
    void maxTokensBeyondTheModelsContextRefusedForEveryDocumentIsNamedAtTheRecipesLine() throws Exception {
        // every request asks more tokens than the model holds: the server's 400 names max_tokens, which the
        // prompt's sampling set
        editJob("maxTokens: 1024, seed: 1}", "maxTokens: 4000, seed: 1}");
        editJob("maxTokens: 1024, seed: 2}", "maxTokens: 4000, seed: 2}");
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("qwen-small")
                        .zeroLatency()
                        .maxModelLen(2048)
                        .build(),
                "127.0.0.1",
                0)) {
            modelAt(sim.baseUrl().replaceAll("/+$", ""), "qwen-small");
            CliRun local = CliRun.of(
                    "local",
                    "-f",
                    manifests.toString(),
                    "--out",
                    tmp.resolve("out").toString());
            assertEquals(ExitCodes.MODEL_CONFIG, local.exit(), local.err());
            String job = manifests.resolve("job.yaml") + ":";
            assertTrue(
                    local.err()
                                    .contains("palimpsest local: " + job + lineOf("job.yaml", "seed: 1}")
                                            + ": spec.recipe.prompts[0].sampling.maxTokens: the model server refused")
                            || local.err()
                                    .contains("palimpsest local: " + job + lineOf("job.yaml", "seed: 2}")
                                            + ": spec.recipe.prompts[1].sampling.maxTokens: the model server refused"),
                    local.err());
            assertTrue(local.err().contains("the server's words name max_tokens"), local.err());
        }
    }

    /**
     * One variant's maxTokens beyond the model's context, the other's within it: the second's answers say nothing of
     * the first's setting, which the server refuses for every request, so the run stops naming it, where it committed
     * every document as a reject of that variant (exit 0).
     */
    @Test
    void maxTokensBeyondTheContextInOneVariantIsTheJobsThoughTheOtherVariantIsAnswered() throws Exception {
        editJob("maxTokens: 1024, seed: 2}", "maxTokens: 4000, seed: 2}");
        // one shard of the corpus' 12 documents: its commit comes after the eighth refusal in a row, whatever the
        // order of the answers (a shard of fewer documents than that could commit its refusals as rejects first)
        editJob("filesPerShard: 1 ", "filesPerShard: 10 ");
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("qwen-small")
                        .zeroLatency()
                        .maxModelLen(2048)
                        .build(),
                "127.0.0.1",
                0)) {
            modelAt(sim.baseUrl().replaceAll("/+$", ""), "qwen-small");
            Path out = tmp.resolve("out");
            CliRun local = CliRun.of("local", "-f", manifests.toString(), "--out", out.toString());
            assertEquals(ExitCodes.MODEL_CONFIG, local.exit(), local.err());
            assertTrue(
                    local.err()
                            .contains("palimpsest local: " + manifests.resolve("job.yaml") + ":"
                                    + lineOf("job.yaml", "seed: 2}")
                                    + ": spec.recipe.prompts[1].sampling.maxTokens: the model server refused"),
                    local.err());
            assertFalse(Files.exists(out.resolve("_palimpsest/receipts/shard-00000.json")), "nothing committed");
            assertFalse(Files.exists(out.resolve("_palimpsest/receipts/shard-00001.json")), "nothing committed");
        }
    }

    @Test
    void aModelEndpointThatDoesNotAnswerIsNamedAtItsLineInTheModelFile() throws Exception {
        // the quickstart's model is deployed by the operator: the address its Service would have is no field of the
        // file, so no line is named for it
        CliRun deployed = CliRun.of(
                "local", "-f", manifests.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(ExitCodes.MODEL_UNREACHABLE, deployed.exit(), deployed.err());
        assertTrue(
                deployed.err().contains("palimpsest local: the model endpoint http://qwen-small-vllm."),
                deployed.err());

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        modelAt("http://127.0.0.1:" + closedPort, "qwen-small");
        CliRun down = preview();
        assertEquals(ExitCodes.MODEL_UNREACHABLE, down.exit(), down.err());
        assertTrue(
                down.err()
                        .contains("palimpsest preview: " + manifests.resolve("model.yaml") + ":"
                                + lineOf("model.yaml", "url: ") + ": spec.endpoint.url: the model endpoint"
                                + " http://127.0.0.1:" + closedPort + " (RewriterModel 'qwen-small') does not answer"),
                down.err());
    }

    @Test
    void aKeyTheServerRefusesIsNamedAtTheLineOfTheModelsKeySecretOrOfItsEndpointWhenItNamesNone() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("qwen-small")
                        .zeroLatency()
                        .apiKey("the-right-key")
                        .build(),
                "127.0.0.1",
                0)) {
            String base = sim.baseUrl().replaceAll("/+$", "");
            modelAt(base, "qwen-small");
            CliRun none = CliRun.of(
                    "local",
                    "-f",
                    manifests.toString(),
                    "--out",
                    tmp.resolve("out").toString());
            assertEquals(ExitCodes.MODEL_CONFIG, none.exit(), none.err());
            assertTrue(
                    none.err()
                            .contains("palimpsest local: " + manifests.resolve("model.yaml") + ":"
                                    + lineOf("model.yaml", "endpoint:")
                                    + ": spec.endpoint: the model server refused the job's requests: "),
                    none.err());

            Path model = manifests.resolve("model.yaml");
            Files.writeString(model, Files.readString(model) + "    apiKeySecretRef: {name: model-key, key: token}\n");
            CliRun named = CliRun.of(
                    "local",
                    "-f",
                    manifests.toString(),
                    "--out",
                    tmp.resolve("out").toString());
            assertEquals(ExitCodes.MODEL_CONFIG, named.exit(), named.err());
            assertTrue(
                    named.err()
                            .contains("palimpsest local: " + manifests.resolve("model.yaml") + ":"
                                    + lineOf("model.yaml", "apiKeySecretRef:")
                                    + ": spec.endpoint.apiKeySecretRef: the model server refused the job's requests: "),
                    named.err());
        }
    }

    @Test
    void aModelFieldTheCommandLineReplacedHasNoLine() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("qwen-small").zeroLatency().build(), "127.0.0.1", 0)) {
            String base = sim.baseUrl().replaceAll("/+$", "");
            modelAt("http://127.0.0.1:9", "qwen-small");
            CliRun run = CliRun.of(
                    "local",
                    "-f",
                    manifests.toString(),
                    "--endpoint",
                    base + "/v1",
                    "--out",
                    tmp.resolve("out").toString());
            assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
            assertTrue(
                    run.err().contains("palimpsest local: the model endpoint " + base + "/v1 (--endpoint)"), run.err());
        }
    }

    @Test
    void anInputReadOtherwiseThanTheOutputWasMadeIsRefusedAtTheChangedFieldsLine() throws IOException {
        Path out = tmp.resolve("out");
        CliRun first = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", out.toString());
        assertEquals(0, first.exit(), first.err());
        editJob("include: [\"*.jsonl\"]", "include: [\"part-*.jsonl\"]");

        CliRun again = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", out.toString());
        assertEquals(ExitCodes.INVALID_JOB, again.exit(), again.err());
        assertTrue(
                again.err()
                        .contains("palimpsest local: " + manifests.resolve("job.yaml") + ":"
                                + lineOf("job.yaml", "include: [") + ": spec.input.include: input drift: "),
                again.err());

        CliRun retry = CliRun.of(
                "retry-rejects",
                "-f",
                manifests.toString(),
                "--reason",
                "model_error",
                "--simulate",
                "--out",
                out.toString());
        assertEquals(ExitCodes.INVALID_JOB, retry.exit(), retry.err());
        assertTrue(
                retry.err()
                        .contains("palimpsest retry-rejects: " + manifests.resolve("job.yaml") + ":"
                                + lineOf("job.yaml", "include: [") + ": spec.input.include: input drift: "),
                retry.err());

        // plan -f plans as local does, and places its refusals the same way
        CliRun plan = CliRun.of(
                "plan",
                "-f",
                manifests.toString(),
                "--out",
                out.toString(),
                "--termination-log",
                tmp.resolve("termination-log").toString());
        assertEquals(ExitCodes.INVALID_JOB, plan.exit(), plan.err());
        assertTrue(
                plan.err()
                        .contains("palimpsest plan: " + manifests.resolve("job.yaml") + ":"
                                + lineOf("job.yaml", "include: [") + ": spec.input.include: input drift: "),
                plan.err());
    }

    @Test
    void anOutputThatIsTheInputIsRefusedAtItsLineByEveryCommand() throws IOException {
        // inside the input once the input's relative path is read from the manifests' folder (lint, reading the
        // words alone, sees no overlap)
        editJob(
                "uri: file://quickstart-out/",
                "uri: " + manifests.resolve("data").toAbsolutePath().toUri() + "out/");
        String at = manifests.resolve("job.yaml") + ":" + lineOf("job.yaml", "uri: file://data/") + ": ";
        String output = manifests.resolve("job.yaml") + ":" + lineOf("job.yaml", "uri: file:///")
                + ": spec.output.uri: output ";

        CliRun local = CliRun.of("local", "-f", manifests.toString(), "--simulate");
        assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
        assertTrue(local.err().contains("palimpsest local: " + output), local.err());
        assertTrue(local.err().contains("the job would read its own output"), local.err());

        CliRun preview = preview("--simulate");
        assertEquals(ExitCodes.INVALID_JOB, preview.exit(), preview.err());
        assertTrue(preview.err().contains("palimpsest preview: " + output), preview.err());

        CliRun retry = CliRun.of("retry-rejects", "-f", manifests.toString(), "--reason", "model_error", "--simulate");
        assertEquals(ExitCodes.INVALID_JOB, retry.exit(), retry.err());
        assertTrue(retry.err().contains("palimpsest retry-rejects: " + output), retry.err());

        // with --out the output is not the manifest's: the input it clashes with is named at its line
        CliRun elsewhere = CliRun.of(
                "local",
                "-f",
                manifests.toString(),
                "--simulate",
                "--out",
                manifests.resolve("data").toString());
        assertEquals(ExitCodes.INVALID_JOB, elsewhere.exit(), elsewhere.err());
        assertTrue(elsewhere.err().contains("palimpsest local: " + at + "spec.input.uri: output "), elsewhere.err());
        assertFalse(Files.exists(manifests.resolve("data/_palimpsest")), "nothing planned in the input");
    }
}
