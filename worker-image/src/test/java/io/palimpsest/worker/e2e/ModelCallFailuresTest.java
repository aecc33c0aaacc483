package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.FaultConfig;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.CliRun;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.run.ShardLayout;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.ModelGateway;
import io.palimpsest.worker.testing.Outputs;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the worker commits when model calls fail, through the CLI against a real simulator over
 * HTTP: refusals that are the same for every document stop the attempt with exit 78 and commit
 * nothing; transient failures are retried by the shard's next attempt and never become rejects
 * before its last; the simulator serves only when asked, and its work is never taken for a real
 * model's.
 */
class ModelCallFailuresTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The simulator answering only requests that carry {@code the-right-key}. */
    private static ModelSimServer keyedSim() throws Exception {
        return ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .zeroLatency()
                        .apiKey("the-right-key")
                        .build(),
                "127.0.0.1",
                0);
    }

    @Test
    void aWrongApiKeyStopsTheAttemptWithExit78AndCommitsNothing() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 40);
        try (ModelSimServer sim = keyedSim()) {
            Path job = manifests(sim.baseUrl(), "sim", 3);
            assertEquals(0, PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", ""));
            Path summary = dir.resolve("summary.json");
            assertEquals(
                    ExitCodes.MODEL_CONFIG,
                    PalimpsestCli.execute(
                            "run",
                            "-f",
                            job.toString(),
                            "--shard",
                            "0",
                            "--checkpoint-every",
                            "5",
                            "--termination-log",
                            summary.toString()));

            JsonNode report = JSON.readTree(summary.toFile());
            assertEquals("modelConfig", report.path("outcome").asText());
            assertEquals("model_config", report.path("reason").asText());
            String message = report.path("message").asText();
            assertTrue(message.contains(sim.baseUrl() + "/v1/chat/completions answered HTTP 401"), message);
            assertTrue(message.contains("Unauthorized"), message);
            assertNothingCommitted(dir.resolve("out"));
        }
    }

    /**
     * The summary of a local run whose requests were all refused (401) does not call them answered:
     * they are counted as refused, by status, and the message says no key was sent and where a local
     * run reads it from.
     */
    @Test
    void aLocalRunRefusedForItsKeyCountsTheRequestsAsRefusedNotAnswered() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 40);
        // behind a gateway that lists its models without asking for a key, the check before the plan passes
        try (ModelSimServer sim = keyedSim();
                ModelGateway gateway = ModelGateway.listing(sim.baseUrl(), List.of("sim"))) {
            Path job = manifests(gateway.url(), "sim", 3);
            CliRun run = CliRun.of("local", "-f", job.toString(), "--checkpoint-every", "5");
            assertEquals(ExitCodes.MODEL_CONFIG, run.exit(), run.text());
            assertTrue(run.text().contains("no API key was sent"), run.text());
            // a model that names no key Secret is sent no key, set or not: the variable is not what to fix
            assertTrue(
                    run.text()
                            .contains(
                                    "no API key was sent: the RewriterModel names no spec.endpoint.apiKeySecretRef, so no"
                                            + " key is read: name the Secret that holds the server's key there"),
                    run.text());
            assertFalse(run.text().contains("PALIMPSEST_MODEL_API_KEY is not set"), run.text());
            String requests = run.text()
                    .lines()
                    .filter(line -> line.startsWith("requests "))
                    .findFirst()
                    .orElseThrow();
            // every answer was a refusal, counted as one, none as answered, and none failed: the gateway says that it
            // closes each connection (ModelGateway), so no request is sent over one it closed
            assertTrue(
                    requests.matches(
                            "requests +(\\d+) to the model: 0 answered, none failed, \\1 refused \\(http_401 \\1\\)"),
                    run.text());
            assertNothingCommitted(dir.resolve("out"));
        }
    }

    /**
     * A model that names its key Secret, run locally without the key in the environment: the refusal says the
     * model asks for a key and which variable to set, not that the model names no Secret.
     */
    @Test
    void aLocalRunOfAModelNamingItsKeySecretWithoutTheKeySetSaysWhichVariableToSet() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 40);
        try (ModelSimServer sim = keyedSim()) {
            Path job = manifests(sim.baseUrl(), "sim", 3);
            Files.writeString(
                    job,
                    Files.readString(job)
                            .replace(
                                    "    url: " + sim.baseUrl() + "\n",
                                    "    url: " + sim.baseUrl()
                                            + "\n    apiKeySecretRef: {name: sim-key, key: token}\n"));
            CliRun run = CliRun.of("local", "-f", job.toString(), "--checkpoint-every", "5");
            assertEquals(ExitCodes.MODEL_CONFIG, run.exit(), run.text());
            assertTrue(
                    run.text()
                            .contains(
                                    "no API key was sent: the RewriterModel asks for one (its spec.endpoint.apiKeySecretRef,"
                                            + " or for a model the operator runs its Secret <model>-vllm-api-key), read from the"
                                            + " environment variable PALIMPSEST_MODEL_API_KEY, which is not set here: set it to"
                                            + " the key"),
                    run.text());
            assertFalse(run.text().contains("names no spec.endpoint.apiKeySecretRef"), run.text());
            assertNothingCommitted(dir.resolve("out"));
        }
    }

    @Test
    void anUnknownModelNameStopsALocalRunWithTheServersMessage() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 40);
        // a gateway that lists the name its server does not serve: the first call finds it
        try (ModelSimServer sim = ModelSimServer.start(
                        SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0);
                ModelGateway gateway = ModelGateway.listing(sim.baseUrl(), List.of("sim-typo"))) {
            Path job = manifests(gateway.url(), "sim-typo", 3);
            CliRun run = CliRun.of("local", "-f", job.toString(), "--checkpoint-every", "5");
            assertEquals(ExitCodes.MODEL_CONFIG, run.exit(), run.text());
            assertTrue(run.text().contains("answered HTTP 404"), run.text());
            assertTrue(run.text().contains("The model `sim-typo` does not exist."), run.text());
            assertNothingCommitted(dir.resolve("out"));
        }
    }

    @Test
    void withoutSimulateADownEndpointStopsTheLocalRunBeforeAnyWork() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 10);
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // free, and nothing listens once closed
        }
        String endpoint = "http://127.0.0.1:" + port;
        Path job = manifests(endpoint, "sim", 3);
        CliRun run = CliRun.of("local", "-f", job.toString());
        assertEquals(ExitCodes.MODEL_UNREACHABLE, run.exit(), run.text());
        assertTrue(run.text().contains("the model endpoint " + endpoint), run.text());
        assertTrue(run.text().contains("--simulate"), run.text());
        assertFalse(run.text().contains("built-in simulator at"), "never a stand-in: " + run.text());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written, not even a plan");
    }

    @Test
    void simulatedWorkIsMarkedAndARunOnARealModelRefusesIt() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 20);
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            Path job = manifests(sim.baseUrl(), "sim", 3);
            CliRun simulated = CliRun.of("local", "-f", job.toString(), "--simulate");
            assertEquals(0, simulated.exit(), simulated.text());
            FileStorage out = new FileStorage(dir.resolve("out"));
            byte[] receipt = out.readAll("_palimpsest/receipts/shard-00000.json");
            assertTrue(
                    JSON.readTree(receipt).path("simulated").asBoolean(), new String(receipt, StandardCharsets.UTF_8));
            for (JsonNode record : Outputs.read(out, "plain/shard-00000.jsonl.zst")) {
                assertTrue(record.at("/provenance/simulated").asBoolean(), record.toString());
            }

            CliRun real = CliRun.of("local", "-f", job.toString());
            assertEquals(ExitCodes.MODEL_CONFIG, real.exit(), real.text());
            assertTrue(real.text().contains("holds work the built-in simulator served"), real.text());
            assertTrue(real.text().contains(dir.resolve("out").toString()), "names the output: " + real.text());
            assertEquals(
                    new String(receipt, StandardCharsets.UTF_8),
                    new String(out.readAll("_palimpsest/receipts/shard-00000.json"), StandardCharsets.UTF_8),
                    "nothing redone or counted");
            assertEquals(0, sim.requestLog().completions().size(), "the real model was not called");
        }
    }

    /**
     * The other way round: an output a real model's run left with a shard to go, continued with --simulate by mistake.
     * The simulator's text is never committed beside the real model's: the shard refuses before it writes anything,
     * where the run completed the output with simulated shards and left it looking whole.
     */
    @Test
    void aSimulatedRunRefusesAnOutputThatHoldsARealModelsWork() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/a.jsonl"), "a", 10);
        Corpus.writeJsonl(dir.resolve("in/b.jsonl"), "b", 10);
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            Path job = manifests(sim.baseUrl(), "sim", 3);
            CliRun real = CliRun.of("local", "-f", job.toString());
            assertEquals(0, real.exit(), real.text());
            FileStorage out = new FileStorage(dir.resolve("out"));
            // the run stopped before its second shard's receipt
            out.delete("_palimpsest/receipts/shard-00001.json");

            CliRun simulated = CliRun.of("local", "-f", job.toString(), "--simulate");

            assertEquals(ExitCodes.MODEL_CONFIG, simulated.exit(), simulated.text());
            assertTrue(simulated.text().contains("holds work of a real model"), simulated.text());
            assertTrue(
                    simulated.text().contains(dir.resolve("out").toString()), "names the output: " + simulated.text());
            assertFalse(out.exists("_palimpsest/receipts/shard-00001.json"), "no simulated shard committed");
            assertFalse(out.exists(ShardLayout.simulatedMarkerKey()), "the real output is not marked simulated");
        }
    }

    /**
     * One poison document (every call answers 500): the first attempt fails without a receipt, so the
     * Job retries the shard; the last attempt commits it as a model_error reject and the rest as written.
     */
    @Test
    void aDocumentWhoseRetriesRunOutIsRejectedOnlyOnTheShardsLastAttempt() throws Exception {
        List<String> ids = Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 30);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(
                rules,
                "rules:\n  - name: poison\n    match: 'record number 7\\.'\n    on: document\n    fault: server_error\n");
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .rulesFile(rules)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0)) {
            Path job = manifests(sim.baseUrl(), "sim", 2);
            assertEquals(0, PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", ""));
            FileStorage out = new FileStorage(dir.resolve("out"));

            JsonNode first = runAttempt(job, 0);
            assertEquals(ExitCodes.MODEL_UNREACHABLE, first.path("exit").asInt());
            assertEquals("retries_exhausted", first.path("reason").asText());
            assertTrue(first.path("message").asText().contains("HTTP 500"), first.toString());
            assertTrue(first.path("message").asText().contains("attempt 1 of 2"), first.toString());
            assertFalse(out.exists("_palimpsest/receipts/shard-00000.json"), "no receipt before the last attempt");

            JsonNode last = runAttempt(job, 1);
            assertEquals(0, last.path("exit").asInt(), last.toString());
            assertEquals(30, last.path("read").asLong());
            assertEquals(29, last.path("written").asLong());
            assertEquals(1, last.path("rejected").asLong());
            List<JsonNode> rejects = Outputs.read(out, "_palimpsest/rejects/shard-00000.jsonl.zst");
            assertEquals(1, rejects.size());
            assertEquals("doc-7", rejects.get(0).path("id").asText());
            assertEquals("model_error", rejects.get(0).path("reason").asText());
            assertTrue(
                    rejects.get(0).path("detail").asText().contains("attempt 2 of 2"),
                    rejects.get(0).toString());
            List<String> written = new ArrayList<>(ids);
            written.remove("doc-7");
            assertEquals(sorted(written), sorted(Outputs.ids(out, "plain/shard-00000.jsonl.zst")));
        }
    }

    /**
     * A server that answers every request 500 during a shard's last attempt: five documents in a row whose tries
     * ran out are an outage (exit 75), not five bad documents. The documents before the fifth were taken as
     * model_error rejects as they failed; they must not stay in the checkpoint parts, or the attempt that runs once
     * the server is back commits them as rejects of documents the server then answers.
     */
    @Test
    void anOutageOnTheLastAttemptLeavesNoRejectOfTheDocumentsBeforeItWasRecognised() throws Exception {
        List<String> ids = Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 30);
        SimConfig broken = SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .faults(FaultConfig.builder()
                        .rate(Fault.SERVER_ERROR, 1.0)
                        .seed(3)
                        .build())
                .build();
        int port;
        Path job;
        try (ModelSimServer sim = ModelSimServer.start(broken, "127.0.0.1", 0)) {
            port = sim.port();
            job = manifests(sim.baseUrl(), "sim", 1);
            assertEquals(0, PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", ""));
            JsonNode down = runAttempt(job, 0);
            assertEquals(ExitCodes.MODEL_UNREACHABLE, down.path("exit").asInt(), down.toString());
        }
        SimConfig healthy = SimConfig.builder().modelName("sim").zeroLatency().build();
        try (ModelSimServer sim = ModelSimServer.start(healthy, "127.0.0.1", port)) {
            JsonNode back = runAttempt(job, 1);
            assertEquals(0, back.path("exit").asInt(), back.toString());
            assertEquals(0, back.path("rejected").asLong(), back.toString());
            FileStorage out = new FileStorage(dir.resolve("out"));
            assertEquals(sorted(ids), sorted(Outputs.ids(out, "plain/shard-00000.jsonl.zst")));
        }
    }

    /**
     * The server fails in the middle of a checkpoint part on the shard's last attempt: documents 0 to 11 are
     * answered, then every request answers 500. The rejects taken for the documents after the eleventh, before the
     * fifth in a row showed the outage, share a part with answered documents, so withdrawing reject-only parts does
     * not take them back: they are held out of the parts until a later document is answered, and the attempt run
     * once the server is back answers them instead of committing them as rejects.
     */
    @Test
    void anOutageInTheMiddleOfAPartOnTheLastAttemptCommitsNoRejectOfIt() throws Exception {
        outageOnTheLastAttemptLeavesItsDocumentsToTheNext("1[2-9]|2[0-9]");
    }

    /**
     * The same outage at the very end of the input: every document was handed out (the input ended) before the
     * fifth failure in a row was seen, so the last answer back would have finished the shard; the rejects held for
     * the outage must not be released by it, and the attempt fails without a receipt.
     */
    @Test
    void anOutageOverTheLastDocumentsOfTheInputCommitsNoRejectOfThem() throws Exception {
        outageOnTheLastAttemptLeavesItsDocumentsToTheNext("2[4-9]");
    }

    /**
     * 30 documents, those whose record number matches {@code down} answered 500 on a single (last) attempt: it exits
     * 75 without a receipt, and the attempt run once the server is back writes all 30, none rejected, each once.
     */
    private void outageOnTheLastAttemptLeavesItsDocumentsToTheNext(String down) throws Exception {
        List<String> ids = Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 30);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(
                rules,
                "rules:\n  - name: down\n    match: 'record number (" + down + ")\\.'\n    on: document\n"
                        + "    fault: server_error\n");
        SimConfig failing = SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .rulesFile(rules)
                .build();
        int port;
        Path job;
        FileStorage out = new FileStorage(dir.resolve("out"));
        try (ModelSimServer sim = ModelSimServer.start(failing, "127.0.0.1", 0)) {
            port = sim.port();
            job = manifests(sim.baseUrl(), "sim", 1);
            assertEquals(0, PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", ""));
            JsonNode outage = runAttempt(job, 0);
            assertEquals(ExitCodes.MODEL_UNREACHABLE, outage.path("exit").asInt(), outage.toString());
            assertFalse(out.exists("_palimpsest/receipts/shard-00000.json"), outage.toString());
        }
        SimConfig healthy = SimConfig.builder().modelName("sim").zeroLatency().build();
        try (ModelSimServer sim = ModelSimServer.start(healthy, "127.0.0.1", port)) {
            JsonNode back = runAttempt(job, 1);
            assertEquals(0, back.path("exit").asInt(), back.toString());
            assertEquals(30, back.path("read").asLong(), back.toString());
            assertEquals(30, back.path("written").asLong(), back.toString());
            assertEquals(0, back.path("rejected").asLong(), back.toString());
            assertTrue(Outputs.read(out, "_palimpsest/rejects/shard-00000.jsonl.zst")
                    .isEmpty());
            assertEquals(
                    sorted(ids),
                    sorted(Outputs.ids(out, "plain/shard-00000.jsonl.zst")),
                    "every document written exactly once");
        }
    }

    /**
     * The measurement of the report: 200 documents against a server that fails half of all requests
     * with HTTP 500. Before, a document whose 8 tries all failed was committed as a model_error reject
     * (2 of 200 lost). Now such a document fails the attempt, the Job's next attempt resumes from the
     * last checkpoint, and every document is written.
     */
    @Test
    void halfOfAllRequestsFailingLosesNoDocument() throws Exception {
        List<String> ids = Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 200);
        FaultConfig faults =
                FaultConfig.builder().rate(Fault.SERVER_ERROR, 0.5).seed(11).build();
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .faults(faults)
                .requestLogCapacity(50_000)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0)) {
            int attempts = 5;
            Path job = manifests(sim.baseUrl(), "sim", attempts);
            assertEquals(0, PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", ""));
            int failedAttempts = 0;
            JsonNode report = null;
            for (int attempt = 0; attempt < attempts; attempt++) {
                report = runAttempt(job, attempt);
                if (report.path("exit").asInt() == 0) {
                    break;
                }
                assertEquals("retries_exhausted", report.path("reason").asText(), report.toString());
                failedAttempts++;
            }
            FileStorage out = new FileStorage(dir.resolve("out"));
            assertEquals("committed", report.path("outcome").asText(), report.toString());
            assertEquals(200, report.path("written").asLong());
            assertEquals(0, report.path("rejected").asLong());
            // parts hold documents in the order they were answered: compare as sorted lists, so duplicates still show
            assertEquals(
                    sorted(ids),
                    sorted(Outputs.ids(out, "plain/shard-00000.jsonl.zst")),
                    "every document written exactly once");
            assertTrue(Outputs.read(out, "_palimpsest/rejects/shard-00000.jsonl.zst")
                    .isEmpty());
            System.out.printf(
                    "50%% HTTP 500: 200 documents, %d requests, %d attempt(s) ended by a document's exhausted retries,"
                            + " 0 documents lost%n",
                    sim.requestLog().completions().size(), failedAttempts);
        }
    }

    /** A request that never answers ends at the deadline the spec sets (1 s), not a fixed ten minutes. */
    @Test
    void theRequestDeadlineIsTheSpecs() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 12);
        try (ModelSimServer sim = ModelSimServer.start(hangingOn3(), "127.0.0.1", 0)) {
            Path job = manifests(sim.baseUrl(), "sim", 1, "requestTimeoutSeconds: 1");
            assertEquals(0, PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", ""));
            long start = System.nanoTime();
            JsonNode report = runAttempt(job, 0);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(0, report.path("exit").asInt(), report.toString());
            assertOnlyDoc3TimedOut(new FileStorage(dir.resolve("out")));
            assertTrue(seconds < 60, "8 tries of 1 s each, not 8 of 86 s (the default for maxTokens 256): " + seconds);
        }
    }

    @Test
    void theLocalFlagSetsTheRequestDeadline() throws Exception {
        Corpus.writeJsonl(dir.resolve("in/corpus.jsonl"), "doc", 12);
        try (ModelSimServer sim = ModelSimServer.start(hangingOn3(), "127.0.0.1", 0)) {
            Path job = manifests(sim.baseUrl(), "sim", 1);
            long start = System.nanoTime();
            CliRun run = CliRun.of(
                    "local",
                    "-f",
                    job.toString(),
                    "--request-timeout",
                    "PT1S",
                    "--backoff-base",
                    "PT0.005S",
                    "--backoff-cap",
                    "PT0.05S");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(0, run.exit(), run.text());
            assertOnlyDoc3TimedOut(new FileStorage(dir.resolve("out")));
            assertTrue(seconds < 60, "the default would have been 60 + 256/10 s per try: " + seconds);
        }
    }

    private SimConfig hangingOn3() throws IOException {
        Path rules = dir.resolve("hang.yaml");
        Files.writeString(
                rules, "rules:\n  - name: hang\n    match: 'record number 3\\.'\n    on: document\n    fault: hang\n");
        return SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .rulesFile(rules)
                .build();
    }

    private static void assertOnlyDoc3TimedOut(FileStorage out) throws IOException {
        List<JsonNode> rejects = Outputs.read(out, "_palimpsest/rejects/shard-00000.jsonl.zst");
        assertEquals(1, rejects.size(), rejects.toString());
        assertEquals("doc-3", rejects.get(0).path("id").asText());
        assertEquals("model_error", rejects.get(0).path("reason").asText());
        assertTrue(
                rejects.get(0).path("detail").asText().contains("HttpTimeoutException"),
                rejects.get(0).toString());
        assertEquals(11, Outputs.read(out, "plain/shard-00000.jsonl.zst").size());
    }

    private JsonNode runAttempt(Path job, int attempt) throws IOException {
        Path summary = dir.resolve("summary-" + attempt + ".json");
        int exit = PalimpsestCli.execute(
                "run",
                "-f",
                job.toString(),
                "--shard",
                "0",
                "--attempt",
                String.valueOf(attempt),
                "--checkpoint-every",
                "10",
                "--backoff-base",
                "PT0.005S",
                "--backoff-cap",
                "PT0.05S",
                "--termination-log",
                summary.toString());
        ObjectNode report = (ObjectNode) JSON.readTree(summary.toFile());
        report.put("exit", exit);
        return report;
    }

    private Path manifests(String endpoint, String servedModelName, int attemptsPerShard) throws IOException {
        return manifests(endpoint, servedModelName, attemptsPerShard, "");
    }

    private Path manifests(String endpoint, String servedModelName, int attemptsPerShard, String workers)
            throws IOException {
        Path folder = dir.resolve("job");
        Files.createDirectories(folder);
        Path file = folder.resolve("job.yaml");
        Files.writeString(file, """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriterModel
                metadata:
                  name: sim
                spec:
                  servedModelName: %s
                  endpoint:
                    url: %s
                ---
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata:
                  name: failures
                spec:
                  modelRef: {name: sim}
                  input:
                    uri: %s
                  output:
                    uri: %s
                    compression: zstd
                  sharding:
                    filesPerShard: 1
                  retry:
                    attemptsPerShard: %d
                  recipe:
                    prompts:
                      - name: plain
                        user: "Rewrite the document. <document>{{ text }}</document>"
                        sampling: {temperature: 0, maxTokens: 256, seed: 1}
                  workers:
                    concurrencyPerWorker: 16
                %s""".formatted(
                        servedModelName,
                        endpoint,
                        dir.resolve("in").toUri(),
                        dir.resolve("out").toUri(),
                        attemptsPerShard,
                        workers.isEmpty() ? "" : "    " + workers + "\n"));
        return file;
    }

    /** No receipt, no output dataset, no checkpoint part: only the plan may be there. */
    private static void assertNothingCommitted(Path out) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        try (Stream<Path> files = Files.walk(out)) {
            List<String> kept = files.filter(Files::isRegularFile)
                    .map(p -> out.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.startsWith("_palimpsest/manifest")
                            && !p.startsWith("_palimpsest/plan")
                            && !p.equals("_palimpsest/recipe.json")
                            && !p.equals("_palimpsest/input.json")
                            && !p.startsWith("_palimpsest/duplicates/"))
                    .toList();
            assertEquals(
                    List.of(),
                    kept,
                    "nothing but the plan (its recipe, input record and duplicate-id index) is committed");
        }
    }

    private static List<String> sorted(List<String> ids) {
        List<String> copy = new ArrayList<>(ids);
        Collections.sort(copy);
        return copy;
    }
}
