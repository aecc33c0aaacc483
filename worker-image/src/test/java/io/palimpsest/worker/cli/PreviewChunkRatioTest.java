package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The length ratio a preview shows beside a rejected chunk's output is taken against that chunk, as the
 * {@code lengthRatio} validator that rejected it took it, not against the whole document the chunk is a part of.
 * The report draws {@code preview.json}'s figure as it is, so the figure is checked there.
 */
class PreviewChunkRatioTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String JOB = """
            apiVersion: palimpsest.io/v1alpha1
            kind: RewriteJob
            metadata:
              name: chunk-ratio
            spec:
              modelRef:
                name: qwen-small
              input:
                uri: file://data/
                include: ["*.jsonl"]
              output:
                uri: file://out/
              recipe:
                chunking:
                  mode: segments
                  maxTokens: 16
                  splitOn: newline
                prompts:
                  - name: wiki
                    user: "Rewrite the passage below as an encyclopedia article. <document>{{ text }}</document>"
                    sampling: {temperature: 0.7, maxTokens: 64, seed: 1}
                validators:
                  - type: lengthRatio
                    min: 50
            """;

    @TempDir
    Path dir;

    @Test
    void aRejectedChunksRatioIsTakenAgainstItsChunk() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("job.yaml"), JOB);
        Files.writeString(dir.resolve("model.yaml"), PreviewSampleEstimateTest.MODEL);
        List<String> lines = new ArrayList<>();
        for (int d = 0; d < 3; d++) {
            // three lines of about ten tokens each: no two fit one 16-token chunk
            String text = "The old stone bridge " + d + " crosses the river.\n"
                    + "Its builders came from the town of Arles.\n"
                    + "The bridge was finished in the spring of 18" + (20 + d) + ".";
            lines.add(JSON.createObjectNode()
                    .put("id", "doc-" + d)
                    .put("text", text)
                    .toString());
        }
        Files.write(dir.resolve("data/part-000.jsonl"), lines);
        Path out = dir.resolve("preview");

        CliRun preview = CliRun.of(
                "preview",
                "-f",
                dir.toString(),
                "--simulate",
                "--sample",
                "3",
                "--out",
                out.toString(),
                "--tokens-per-second-per-replica",
                "1000");
        assertEquals(0, preview.exit(), preview.err());

        JsonNode report = JSON.readTree(out.resolve("preview.json").toFile());
        assertEquals(3, report.path("documents").size(), report.toString());
        for (JsonNode doc : report.path("documents")) {
            // every chunk's output fails min 50: one rejected outcome and one measured ratio per chunk
            List<Double> shown = new ArrayList<>();
            for (JsonNode o : doc.path("outcomes")) {
                assertEquals("lengthRatio", o.path("reason").asText(), o.toString());
                assertTrue(o.path("lengthRatio").isNumber(), "a rejected output has its ratio: " + o);
                shown.add(o.path("lengthRatio").asDouble());
            }
            List<Double> measured = new ArrayList<>();
            for (JsonNode checks : doc.path("checks")) {
                for (JsonNode c : checks.path("checks")) {
                    if (c.path("check").asText().equals("lengthRatio")) {
                        measured.add(Math.round(c.path("measured").asDouble() * 1000) / 1000.0);
                    }
                }
            }
            assertEquals(3, measured.size(), "three chunks, each validated: " + doc.path("checks"));
            shown.sort(null);
            measured.sort(null);
            assertEquals(measured, shown, "the ratio shown is the validator's, against the chunk: " + doc);
        }
    }
}
