package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.testing.ModelGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Before anything is planned, {@code local} and {@code preview} ask the endpoint's {@code /v1/models}: a URL whose path
 * leads to no OpenAI-compatible API, or a servedModelName the server does not list, is refused at its line in the
 * model's file with nothing planned or written, where the first model call found it after the plan. Against model-sim,
 * which answers {@code /v1/models} as vLLM does; a gateway without {@code /v1/models} or {@code /health} still runs.
 */
class EndpointStartCheckTest {

    @TempDir
    Path tmp;

    Path manifests;

    @BeforeEach
    void copyQuickstart() throws IOException {
        manifests = QuickstartCopy.into(tmp);
    }

    private void modelAt(String url, String servedName, String keyRef) throws IOException {
        Files.writeString(
                manifests.resolve("model.yaml"),
                "apiVersion: palimpsest.io/v1alpha1\n"
                        + "kind: RewriterModel\n"
                        + "metadata:\n"
                        + "  name: qwen-small\n"
                        + "spec:\n"
                        + "  servedModelName: " + servedName + "\n"
                        + "  endpoint:\n"
                        + "    url: " + url + "\n"
                        + (keyRef == null ? "" : "    apiKeySecretRef: " + keyRef + "\n"));
    }

    private String at(String text) throws IOException {
        List<String> lines = Files.readAllLines(manifests.resolve("model.yaml"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return manifests.resolve("model.yaml") + ":" + (i + 1) + ": ";
            }
        }
        throw new AssertionError(text + " is not in model.yaml");
    }

    private CliRun local() {
        return CliRun.of(
                "local", "-f", manifests.toString(), "--out", tmp.resolve("out").toString());
    }

    private CliRun preview() {
        return CliRun.of(
                "preview",
                "-f",
                manifests.toString(),
                "--sample",
                "4",
                "--tokens-per-second-per-replica",
                "2000",
                "--out",
                tmp.resolve("report").toString());
    }

    /** Refused before the plan: no plan line, no output folder, no model call. */
    private void assertNothingPlanned(CliRun run, ModelSimServer sim) {
        assertFalse(run.err().contains("planned "), run.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
        assertEquals(0, sim.requestLog().totalReceived(), "no completion requested");
    }

    private static ModelSimServer sim(String name) {
        return ModelSimServer.start(
                SimConfig.builder().modelName(name).zeroLatency().build(), "127.0.0.1", 0);
    }

    @Test
    void anEndpointWhosePathLeadsToNoApiIsRefusedAtItsLineBeforeThePlan() throws Exception {
        try (ModelSimServer sim = sim("qwen-small")) {
            String base = sim.baseUrl().replaceAll("/+$", "");
            for (String path : List.of("/api", "/v2")) {
                modelAt(base + path, "qwen-small", null);
                String refusal = at("url: ") + "spec.endpoint.url: the model endpoint " + base + path
                        + " does not lead to an OpenAI-compatible API: GET " + base + path
                        + "/v1/models answered HTTP 404";

                CliRun local = local();
                assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
                assertTrue(local.err().contains("palimpsest local: " + refusal), local.err());
                assertNothingPlanned(local, sim);

                CliRun preview = preview();
                assertEquals(ExitCodes.INVALID_JOB, preview.exit(), preview.err());
                assertTrue(preview.err().contains("palimpsest preview: " + refusal), preview.err());
            }
        }
    }

    @Test
    void aServedModelNameOneLetterOffIsRefusedAtItsLineWithTheNameServed() throws Exception {
        try (ModelSimServer sim = sim("qwen-small")) {
            modelAt(sim.baseUrl().replaceAll("/+$", ""), "qwen-smal", null);
            String refusal = at("servedModelName: ") + "spec.servedModelName: the model server at "
                    + sim.baseUrl().replaceAll("/+$", "") + " does not serve a model named 'qwen-smal': GET ";

            CliRun local = local();
            assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
            assertTrue(local.err().contains("palimpsest local: " + refusal), local.err());
            assertTrue(local.err().contains("lists 1 model without it; did you mean 'qwen-small'?"), local.err());
            assertNothingPlanned(local, sim);

            CliRun preview = preview();
            assertEquals(ExitCodes.INVALID_JOB, preview.exit(), preview.err());
            assertTrue(preview.err().contains("palimpsest preview: " + refusal), preview.err());
        }
    }

    @Test
    void aServedModelNameFarFromTheServedOnesIsRefusedWithTheList() throws Exception {
        try (ModelSimServer sim = sim("real-name")) {
            modelAt(sim.baseUrl().replaceAll("/+$", ""), "wrong-name", null);
            CliRun local = local();
            assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
            assertTrue(
                    local.err()
                            .contains("palimpsest local: " + at("servedModelName: ")
                                    + "spec.servedModelName: the model server at "),
                    local.err());
            assertTrue(local.err().contains("lists 1 model without it; it serves real-name ("), local.err());
            assertNothingPlanned(local, sim);
        }
    }

    @Test
    void aKeyTheServerRefusesAtTheModelListIsTheKeyRefusalBeforeThePlanAndTheRightKeyIsSent() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("qwen-small")
                        .zeroLatency()
                        .apiKey("the-right-key")
                        .build(),
                "127.0.0.1",
                0)) {
            String base = sim.baseUrl().replaceAll("/+$", "");
            modelAt(base, "qwen-small", "{name: model-key, key: token}");

            LocalCommand wrong = localWithKey("a-wrong-key");
            Exception refused = assertThrows(
                    Exception.class,
                    () -> CliRun.capture(() -> {
                        try {
                            return wrong.call();
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    }));
            Throwable cause = refused.getCause();
            assertEquals(ExitCodes.MODEL_CONFIG, PalimpsestCli.exitCodeOf((Exception) cause));
            assertTrue(
                    cause.getMessage()
                            .startsWith(at("apiKeySecretRef:")
                                    + "spec.endpoint.apiKeySecretRef: the model server refused the job's requests: GET "
                                    + base + "/v1/models answered HTTP 401"),
                    cause.getMessage());
            assertTrue(cause.getMessage().contains("the server did not accept the API key"), cause.getMessage());
            assertFalse(cause.getMessage().contains("a-wrong-key"), cause.getMessage());
            assertFalse(Files.exists(tmp.resolve("out")), "nothing written");

            // the key the model calls send goes with the check too: with the right one the run is done
            LocalCommand right = localWithKey("the-right-key");
            CliRun done = CliRun.capture(() -> {
                try {
                    return right.call();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            assertEquals(ExitCodes.DONE, done.exit(), done.err());
        }
    }

    private LocalCommand localWithKey(String key) {
        LocalCommand local = new LocalCommand();
        local.environment = new WorkerEnvironment(Map.of(JobResolver.MODEL_API_KEY_ENV, key));
        new CommandLine(local)
                .parseArgs(
                        "-f", manifests.toString(), "--out", tmp.resolve("out").toString());
        return local;
    }

    @Test
    void aGatewayWithoutModelListOrHealthIsLeftToItsFirstCallAndRuns() throws Exception {
        // some OpenAI-compatible gateways serve completions and nothing else: 404 at /health and /v1/models
        try (ModelSimServer sim = sim("qwen-small");
                ModelGateway gateway = ModelGateway.withoutModelList(sim.baseUrl())) {
            modelAt(gateway.url(), "qwen-small", null);
            CliRun local = local();
            assertEquals(ExitCodes.DONE, local.exit(), local.err());
            assertTrue(gateway.notFound.contains("/v1/models"), String.valueOf(gateway.notFound));
        }
    }
}
