package io.palimpsest.worker.recipe.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.format.Compression;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One run of an example folder through {@code palimpsest local}, in-process, against the simulator
 * started with the example's sim-rules.yaml: what went in, what the model was asked, what came out.
 */
record ExampleRun(
        Path folder,
        List<JsonNode> inputs,
        List<LoggedRequest> requests,
        Map<String, List<JsonNode>> outputs,
        List<JsonNode> rejects) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Path examples() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("examples/quickstart"))) {
                return p.resolve("examples");
            }
        }
        throw new IllegalStateException(
                "examples/ not found above " + Path.of("").toAbsolutePath());
    }

    static ExampleRun of(String example, Path out) throws IOException {
        return of(examples().resolve(example), out);
    }

    /** @param folder an example's manifests, sample data and simulator rules, wherever they are */
    static ExampleRun of(Path folder, Path out) throws IOException {
        String example = folder.getFileName().toString();
        // an example whose recipe calls no model ships no model.yaml; the simulator then only shows no call is made
        JsonNode model = Files.exists(folder.resolve("model.yaml"))
                ? YAML.readTree(folder.resolve("model.yaml").toFile()).path("spec")
                : YAML.createObjectNode();
        SimConfig.Builder config = SimConfig.builder()
                .modelName(model.path("servedModelName").asText("none"))
                .maxModelLen(model.path("engine").path("maxModelLen").asInt(8192))
                .zeroLatency()
                .seed(7);
        if (Files.exists(folder.resolve("sim-rules.yaml"))) {
            config.rulesFile(folder.resolve("sim-rules.yaml"));
        }
        List<LoggedRequest> requests;
        try (ModelSimServer sim = ModelSimServer.start(config.build(), "127.0.0.1", 0)) {
            int exit = PalimpsestCli.execute(
                    "local",
                    "-f",
                    folder.toString(),
                    "--endpoint",
                    sim.baseUrl(),
                    "--out",
                    out.toString(),
                    "--parallel-shards",
                    "1");
            assertEquals(0, exit, "palimpsest local exit code for " + example);
            requests = sim.requestLog().completions();
        }
        List<JsonNode> inputs = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder.resolve("data"))) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    inputs.add(JSON.readTree(line));
                }
            }
        }
        Map<String, List<JsonNode>> outputs = new LinkedHashMap<>();
        List<JsonNode> rejects = new ArrayList<>();
        try (Stream<Path> all = Files.walk(out)) {
            for (Path f : all.filter(Files::isRegularFile).sorted().toList()) {
                String rel = out.relativize(f).toString().replace('\\', '/');
                if (rel.startsWith("_palimpsest/rejects/")) {
                    rejects.addAll(read(f));
                } else if (!rel.startsWith("_palimpsest/") && rel.contains("/shard-")) {
                    outputs.computeIfAbsent(rel.substring(0, rel.indexOf('/')), k -> new ArrayList<>())
                            .addAll(read(f));
                }
            }
        }
        return new ExampleRun(folder, inputs, requests, outputs, rejects);
    }

    private static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        try (InputStream in =
                        Compression.ofFileName(file.getFileName().toString()).decompress(Files.newInputStream(file));
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    records.add(JSON.readTree(line));
                }
            }
        }
        return records;
    }

    List<JsonNode> outputs(String variant) {
        return outputs.getOrDefault(variant, List.of());
    }

    List<JsonNode> allOutputs() {
        return outputs.values().stream().flatMap(List::stream).toList();
    }

    List<JsonNode> rejects(String reason) {
        return rejects.stream()
                .filter(r -> r.path("reason").asText().equals(reason))
                .toList();
    }

    JsonNode input(String id) {
        return inputs.stream()
                .filter(i -> i.path("id").asText().equals(id))
                .findFirst()
                .orElseThrow();
    }

    /** The user-visible prompt text of each request (chat contents joined), in arrival order. */
    List<String> prompts() {
        return requests.stream().map(r -> r.prompt().orElse("")).toList();
    }
}
