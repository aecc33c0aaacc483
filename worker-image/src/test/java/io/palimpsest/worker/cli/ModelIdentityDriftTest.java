package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.testing.Corpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A RewriterModel whose weights change under a kept served name, through the real CLI with the
 * job.yaml the operator writes: the output's {@code recipe.json} records the model's identity, and a
 * plan or a worker with another identity is refused as drift naming both (exit 78, {@code
 * output_drift}), unless the change is accepted; an output whose marker records no identity (an
 * earlier version's) goes on.
 */
class ModelIdentityDriftTest {

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).setSerializationInclusion(JsonInclude.Include.NON_NULL);
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void weightsChangedUnderTheSameServedNameAreDriftUnlessAccepted() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 9);
        Corpus.writeJsonl(in.resolve("b.jsonl"), "b", 6);
        Corpus.writeJsonl(in.resolve("c.jsonl"), "c", 3);
        Path marker = out.resolve("_palimpsest/recipe.json");
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("mistral").zeroLatency().build(), "127.0.0.1", 0)) {
            Path first = resolvedJob("r1", in, out, sim.baseUrl());
            Path second = resolvedJob("r2", in, out, sim.baseUrl());
            String made = "vLLM weights huggingFace:org/weights@r1";
            String now = "vLLM weights huggingFace:org/weights@r2";

            assertEquals(
                    ExitCodes.DONE,
                    CliRun.of("plan", "-f", first.toString(), "--termination-log", "")
                            .exit());
            assertEquals(
                    made, json.readTree(marker.toFile()).path("modelIdentity").asText(), "recorded");
            assertEquals(1, json.readTree(marker.toFile()).path("format").asInt(), "an optional field of format 1");
            CliRun same = run(first, 0);
            assertEquals(ExitCodes.DONE, same.exit(), "the same weights go on: " + same.err());

            // The RewriterModel's revision is edited, its servedModelName kept: the next worker's job.yaml says so.
            Path termination = tmp.resolve("termination");
            CliRun refused = CliRun.of(
                    "run", "-f", second.toString(), "--shard", "1", "--termination-log", termination.toString());
            assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
            assertTrue(
                    refused.err().contains("model drift: ")
                            && refused.err().contains("[" + made + "]")
                            && refused.err().contains("[" + now + "]")
                            && refused.err().contains("the same name sent in requests, other weights"),
                    refused.err());
            ShardSummary summary = json.readValue(Files.readString(termination), ShardSummary.class);
            assertEquals(ShardReason.OUTPUT_DRIFT.code(), summary.getReason(), "the operator fails it OutputDrift");
            assertEquals(ShardSummary.Outcome.modelConfig, summary.getOutcome());
            assertFalse(Files.exists(out.resolve("_palimpsest/receipts/shard-00001.json")), "nothing committed");

            CliRun plan = CliRun.of("plan", "-f", second.toString(), "--termination-log", "");
            assertEquals(ExitCodes.INVALID_JOB, plan.exit(), plan.err());
            assertTrue(plan.err().contains("[" + made + "]") && plan.err().contains("[" + now + "]"), plan.err());
            assertTrue(plan.err().contains("--accept-recipe-change"), plan.err());
            assertEquals(
                    made, json.readTree(marker.toFile()).path("modelIdentity").asText(), "a refusal writes nothing");

            CliRun accepted =
                    CliRun.of("plan", "-f", second.toString(), "--accept-recipe-change", "--termination-log", "");
            assertEquals(ExitCodes.DONE, accepted.exit(), accepted.err());
            assertEquals(
                    now, json.readTree(marker.toFile()).path("modelIdentity").asText(), "the accepted identity");
            CliRun afterAccepting = run(second, 1);
            assertEquals(ExitCodes.DONE, afterAccepting.exit(), afterAccepting.err());

            // A marker an earlier version wrote records no identity: the output goes on, whatever the weights.
            ObjectNode earlier = (ObjectNode) json.readTree(marker.toFile());
            earlier.remove("modelIdentity");
            Files.write(marker, json.writeValueAsBytes(earlier));
            CliRun older = run(first, 2);
            assertEquals(ExitCodes.DONE, older.exit(), older.err());
            assertEquals(
                    ExitCodes.DONE,
                    CliRun.of("plan", "-f", first.toString(), "--termination-log", "")
                            .exit());
            assertEquals(
                    made,
                    json.readTree(marker.toFile()).path("modelIdentity").asText(),
                    "the next plan records the identity, so a later change is told");
        }
    }

    /**
     * An output whose {@code recipe.json} records the identity in today's words, run on by a job.yaml a
     * later operator version words otherwise (after an upgrade mid-campaign): the same weights go on and
     * the recorded text stays; other weights are still drift.
     */
    @Test
    void anotherWordingOfTheSameWeightsIsNoDrift() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 4);
        Corpus.writeJsonl(in.resolve("b.jsonl"), "b", 3);
        Corpus.writeJsonl(in.resolve("c.jsonl"), "c", 2);
        Corpus.writeJsonl(in.resolve("d.jsonl"), "d", 2);
        Path marker = out.resolve("_palimpsest/recipe.json");
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("mistral").zeroLatency().build(), "127.0.0.1", 0)) {
            Path today = resolvedJob("r1", in, out, sim.baseUrl());
            String recorded = "vLLM weights huggingFace:org/weights@r1";
            assertEquals(
                    ExitCodes.DONE,
                    CliRun.of("plan", "-f", today.toString(), "--termination-log", "")
                            .exit());
            assertEquals(
                    recorded,
                    json.readTree(marker.toFile()).path("modelIdentity").asText());
            assertEquals(ExitCodes.DONE, run(today, 0).exit());

            int shard = 1;
            for (String wording : new String[] {"vLLM weights hf:org/weights@r1", "huggingFace:/org/weights/@r1"}) {
                Path later = reworded(today, wording);
                CliRun plan = CliRun.of("plan", "-f", later.toString(), "--termination-log", "");
                assertEquals(ExitCodes.DONE, plan.exit(), wording + ": " + plan.err());
                CliRun worker = run(later, shard++);
                assertEquals(ExitCodes.DONE, worker.exit(), wording + ": " + worker.err());
                assertEquals(
                        recorded,
                        json.readTree(marker.toFile()).path("modelIdentity").asText(),
                        "the recorded words stay, so workers of the earlier version go on too");
            }

            Path other = reworded(today, "vLLM weights hf:org/weights@r2");
            CliRun refused = run(other, shard);
            assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
            assertTrue(
                    refused.err().contains("model drift: ")
                            && refused.err().contains("[" + recorded + "]")
                            && refused.err().contains("[vLLM weights hf:org/weights@r2]"),
                    refused.err());
        }
    }

    /** {@code job} with its model's identity worded as {@code identity}. */
    private Path reworded(Path job, String identity) throws IOException {
        ResolvedJob resolved = YAML.readValue(job.toFile(), ResolvedJob.class);
        resolved.getModel().setIdentity(identity);
        Path file = Files.createDirectories(tmp.resolve("job-" + Integer.toHexString(identity.hashCode())))
                .resolve("job.yaml");
        YAML.writeValue(file.toFile(), resolved);
        return file;
    }

    @Test
    void localRecordsWhatItKnowsOfTheServer() throws IOException {
        Path in = tmp.resolve("in");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 3);
        Path tried = tmp.resolve("tried");
        CliRun simulated = CliRun.of("local", "-f", manifests("r1", in, tried).toString(), "--simulate");
        assertEquals(ExitCodes.DONE, simulated.exit(), simulated.err());
        assertEquals(
                JobResolver.SIMULATOR_IDENTITY,
                json.readTree(tried.resolve("_palimpsest/recipe.json").toFile())
                        .path("modelIdentity")
                        .asText(),
                "the simulator, not the weights the RewriterModel names");

        // planned for the RewriterModel's weights (as the operator's planner does), then run on a server given
        // by hand (a port-forward to the deployment, the way a laptop reaches it): its weights are not known,
        // so the recorded identity is neither compared nor replaced, and a retry round goes on too
        Path out = tmp.resolve("out");
        Path manifests = manifests("r1", in, out);
        Path marker = out.resolve("_palimpsest/recipe.json");
        assertEquals(
                ExitCodes.DONE, CliRun.of("plan", "-f", manifests.toString()).exit());
        String planned = "vLLM weights huggingFace:org/weights@r1";
        assertEquals(
                planned, json.readTree(marker.toFile()).path("modelIdentity").asText());
        try (ModelSimServer server = ModelSimServer.start(
                SimConfig.builder().modelName("mistral").zeroLatency().build(), "127.0.0.1", 0)) {
            CliRun endpoint = CliRun.of("local", "-f", manifests.toString(), "--endpoint", server.baseUrl());
            assertEquals(ExitCodes.DONE, endpoint.exit(), endpoint.err());
            assertEquals(
                    planned,
                    json.readTree(marker.toFile()).path("modelIdentity").asText(),
                    "the planner's identity stays, so the operator's workers go on");

            CliRun retry = CliRun.of(
                    "retry-rejects",
                    "-f",
                    manifests.toString(),
                    "--reason",
                    "model_error",
                    "--endpoint",
                    server.baseUrl());
            assertEquals(ExitCodes.DONE, retry.exit(), retry.err());
            assertFalse(retry.err().contains("model drift"), retry.err());
        }
        assertEquals(
                planned, json.readTree(marker.toFile()).path("modelIdentity").asText());
    }

    private CliRun run(Path job, int shard) {
        return CliRun.of("run", "-f", job.toString(), "--shard", String.valueOf(shard), "--termination-log", "");
    }

    /** The job.yaml the operator writes for the job and a vLLM RewriterModel at {@code revision}, served at {@code endpoint}. */
    private Path resolvedJob(String revision, Path in, Path out, String endpoint) throws IOException {
        ResolvedJob job = new JobManifests().load(manifests(revision, in, out)).job();
        job.getModel().setEndpoint(endpoint); // the RewriterModel's status.endpoint
        job.getModel().setReplicas(null);
        Path file = Files.createDirectories(tmp.resolve("job-" + revision)).resolve("job.yaml");
        YAML.writeValue(file.toFile(), job);
        return file;
    }

    private Path manifests(String revision, Path in, Path out) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("manifests-" + revision));
        Files.writeString(dir.resolve("job.yaml"), """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriterModel
                metadata:
                  name: mistral
                spec:
                  model: org/weights
                  revision: %s
                  servedModelName: mistral
                  source:
                    huggingFace: {repo: org/weights, revision: %s}
                ---
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata:
                  name: identity
                spec:
                  modelRef: {name: mistral}
                  input:
                    uri: %s
                  output:
                    uri: %s
                  sharding:
                    filesPerShard: 1
                  recipe:
                    prompts:
                      - name: plain
                        user: "Rewrite the document. <document>{{ text }}</document>"
                        sampling: {temperature: 0, maxTokens: 512, seed: 1}
                """.formatted(revision, revision, in.toUri(), out.toUri()));
        return dir;
    }
}
