package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.SimConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preview's sample and estimate over inputs whose shards differ, against the simulator: a sample
 * drawn by bytes is weighed by each shard's documents; a sample larger than the input takes every
 * document; a document whose chunks call the model one after another is not counted as the worker's
 * own time, and its chain of calls bounds the run.
 */
class PreviewSampleEstimateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] PLACES = {"bridge", "church", "market", "castle", "road", "mill", "tower", "valley"};

    @TempDir
    Path dir;

    static final String MODEL = """
            apiVersion: palimpsest.io/v1alpha1
            kind: RewriterModel
            metadata:
              name: qwen-small
            spec:
              model: Qwen/Qwen2.5-1.5B-Instruct
              servedModelName: qwen-small
              source:
                huggingFace:
                  repo: Qwen/Qwen2.5-1.5B-Instruct
              engine:
                maxModelLen: 8192
                maxNumSeqs: 256
              resources:
                gpus: 1
              replicas:
                min: 0
                max: 2
            """;

    private static String job(String name, String recipe) {
        return """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata:
                  name: %s
                spec:
                  modelRef:
                    name: qwen-small
                  input:
                    uri: file://data/
                    include: ["*.jsonl"]
                  output:
                    uri: file://out/
                  sharding:
                    filesPerShard: 1
                  recipe:
                %s
                """.formatted(name, recipe.indent(4).stripTrailing());
    }

    private static final String REWRITE = """
            prompts:
              - name: wiki
                user: "Rewrite the document below as an encyclopedia article. <document>{{ text }}</document>"
                sampling: {temperature: 0.7, maxTokens: 1024, seed: 1}
            validators:
              - type: truncation
            """;

    private static String sentences(String prefix, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append(String.format(
                    Locale.ROOT,
                    "The %s of %s was built in %d and rebuilt in %d. ",
                    PLACES[(i * 3 + prefix.length()) % PLACES.length],
                    PLACES[(i * 5 + 1) % PLACES.length],
                    1700 + i,
                    1800 + i));
        }
        return b.toString().trim();
    }

    private static void jsonl(Path file, String prefix, int documents, int sentencesEach) throws IOException {
        Files.createDirectories(file.getParent());
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < documents; i++) {
            lines.add(JSON.createObjectNode()
                    .put("id", prefix + "-" + i)
                    .put("text", sentences(prefix + i, sentencesEach))
                    .toString());
        }
        Files.write(file, lines);
    }

    private Path folder(String name, String recipe) throws IOException {
        Path folder = dir.resolve(name);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("job.yaml"), job(name + "-job", recipe));
        Files.writeString(folder.resolve("model.yaml"), MODEL);
        return folder;
    }

    private static JsonNode preview(Path folder, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "preview",
                "-f",
                folder.toString(),
                "--simulate",
                "--out",
                folder.resolve("preview").toString(),
                "--tokens-per-second-per-replica",
                "1000"));
        args.addAll(List.of(extra));
        assertEquals(0, PalimpsestCli.execute(args.toArray(String[]::new)));
        return JSON.readTree(folder.resolve("preview/preview.json").toFile());
    }

    /**
     * 5 long documents in one file, 60 short ones in another: a sample of 6 by bytes takes 4 long and 2 short. The
     * plain mean over the sample said 6.7 times what the run makes, outside its own interval; weighed by each
     * shard's documents, the estimate holds what {@code local} commits.
     */
    @Test
    void aSampleDrawnByBytesIsWeighedByEachShardsDocuments() throws Exception {
        // tokens alone are compared, and the simulator's tokens do not depend on when it answers
        UnaryOperator<SimConfig.Builder> tuning = LocalCommand.LocalModel.simulatorTuning;
        LocalCommand.LocalModel.simulatorTuning = SimConfig.Builder::zeroLatency;
        try {
            sampleDrawnByBytes();
        } finally {
            LocalCommand.LocalModel.simulatorTuning = tuning;
        }
    }

    private void sampleDrawnByBytes() throws Exception {
        Path folder = folder("skew", REWRITE);
        jsonl(folder.resolve("data/a-long.jsonl"), "long", 5, 40);
        jsonl(folder.resolve("data/b-short.jsonl"), "short", 60, 1);
        assertEquals(
                0,
                PalimpsestCli.execute(
                        "local",
                        "-f",
                        folder.toString(),
                        "--simulate",
                        "--out",
                        dir.resolve("skew-out").toString()));
        long committed = 0;
        try (var receipts = Files.newDirectoryStream(dir.resolve("skew-out/_palimpsest/receipts"))) {
            for (Path receipt : receipts) {
                committed += JSON.readTree(receipt.toFile())
                        .path("counts")
                        .path("completionTokens")
                        .asLong();
            }
        }

        JsonNode preview = preview(folder, "--sample", "6", "--seed", "1");

        assertEquals(6, preview.path("documents").size());
        JsonNode tokens = preview.path("estimate").path("completionTokens");
        assertTrue(
                tokens.path("low").asDouble() <= committed
                        && committed <= tokens.path("high").asDouble(),
                "committed " + committed + " within " + tokens);
        assertEquals(committed, tokens.path("estimate").asDouble(), 0.15 * committed, tokens.toString());
    }

    /** A shard with fewer documents than its share of the sample hands the rest to the others: 200 asked, all 8 drawn. */
    @Test
    void aSampleLargerThanTheInputDrawsEveryDocument() throws Exception {
        Path folder = folder("huge", REWRITE);
        jsonl(folder.resolve("data/part-000.jsonl"), "long", 2, 500);
        jsonl(folder.resolve("data/part-001.jsonl"), "short", 6, 1);

        JsonNode preview = preview(folder, "--sample", "200");

        assertEquals(8, preview.path("documents").size(), "min(200, 8) documents drawn");
        assertEquals(
                8,
                preview.path("plan").path("sampled").asInt(),
                preview.path("plan").toString());
        JsonNode tokens = preview.path("estimate").path("completionTokens");
        long sampled = 0;
        for (JsonNode d : preview.path("documents")) {
            sampled += d.path("completionTokens").asLong();
        }
        assertEquals(sampled, tokens.path("estimate").asDouble(), 1e-6, "every document sampled: the exact figure");
    }

    /**
     * 30 documents of about 20 autoregressive chunks each, a sample of 1: the 20 calls one after another were counted
     * as the worker's own time (about 12 s a document, 356 s for the run, where local took 20 s). The worker's own
     * time is what is not spent waiting for the model; the run is bound by the document's chain of calls; and one
     * sampled document gives no interval.
     */
    @Test
    void aChunkedDocumentsSequentialCallsAreNotTheWorkersOwnTime() throws Exception {
        Path folder = folder("chain", """
                chunking:
                  mode: autoregressive
                  splitOn: sentence
                  maxTokens: 60
                  contextChunks: 1
                  contextTokens: 200
                  joinWith: "\\n"
                prompts:
                  - name: narrative
                    user: |
                      {% if previous %}Continue: <previous>{{ previous | join("\\n") }}</previous>
                      {% endif %}Retell the passage. <document>{{ text }}</document>
                    sampling: {temperature: 0.8, maxTokens: 200, seed: 11}
                validators:
                  - type: truncation
                """);
        jsonl(folder.resolve("data/one.jsonl"), "chain", 30, 60);

        JsonNode preview = preview(folder, "--sample", "1");

        JsonNode estimate = preview.path("estimate");
        assertTrue(
                preview.path("documents").get(0).path("requests").asLong() >= 10,
                "a chunked document: " + preview.path("documents").get(0).path("requests"));
        String run = null;
        for (JsonNode note : estimate.path("paid").path("notes")) {
            if (note.asText().startsWith("the run after the workers' start")) {
                run = note.asText();
            }
        }
        assertTrue(run != null && run.contains("bound by the longest chain of one document's calls"), run);
        Matcher own = Pattern.compile("a worker's own \\d+ documents at ([0-9.]+) s each")
                .matcher(run);
        assertTrue(own.find(), run);
        assertTrue(Double.parseDouble(own.group(1)) < 1.0, "the worker's own time, not its calls: " + run);
        assertTrue(!estimate.path("completionTokens").has("low"), "one sampled document: no interval");
        assertTrue(
                estimate.path("notes").toString().contains("no interval: 1 sampled document"),
                estimate.path("notes").toString());
    }
}
