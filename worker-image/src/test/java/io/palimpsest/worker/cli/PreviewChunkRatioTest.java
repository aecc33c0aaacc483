package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.recipe.TextMeasures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The length ratio a preview shows beside a rejected chunk's output is taken against that chunk, as the
 * {@code lengthRatio} validator that rejected it took it, not against the whole document the chunk is a part of.
 * The report draws {@code preview.json}'s figure as it is, so the figure is checked there; {@code show --html} over
 * what {@code local} committed shows the same figure, from the words the reject record says its output was made
 * from, and the page's embedded data is checked.
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
    void showMeasuresACommittedRejectedChunkAgainstItsChunkAsPreviewDoes() throws Exception {
        List<String> texts = writeJob();
        Path out = dir.resolve("committed");
        CliRun local = CliRun.of("local", "-f", dir.toString(), "--simulate", "--out", out.toString());
        assertEquals(0, local.exit(), local.err());
        Path page = dir.resolve("page.html");
        CliRun show = CliRun.of("show", out.toString(), "--html", "--out", page.toString());
        assertEquals(0, show.exit(), show.err());

        JsonNode data = JSON.readTree(PreviewExamplesTest.embeddedData(Files.readString(page)));
        assertEquals(3, data.path("documents").size(), data.toString());
        int measured = 0;
        for (JsonNode doc : data.path("documents")) {
            String source = doc.path("source").asText();
            assertTrue(texts.contains(source), source);
            List<Double> chunks = new ArrayList<>();
            for (JsonNode o : doc.path("outcomes")) {
                assertEquals("lengthRatio", o.path("reason").asText(), o.toString());
                String output = o.path("text").asText();
                // each chunk is one line of the document: its output's ratio against one line, not the three
                List<Double> againstALine = new ArrayList<>();
                for (String line : source.split("\n")) {
                    againstALine.add(Math.round(1000.0 * TextMeasures.wordCount(output) / TextMeasures.wordCount(line))
                            / 1000.0);
                }
                assertTrue(
                        againstALine.contains(o.path("lengthRatio").asDouble()),
                        "against its chunk " + againstALine + ", not the document: " + o);
                chunks.add(o.path("lengthRatio").asDouble());
                measured++;
            }
            assertEquals(3, chunks.size(), doc.toString());
        }
        assertEquals(9, measured);
    }

    /** Three documents of three lines of about ten tokens each: no two lines fit one 16-token chunk. */
    private List<String> writeJob() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("job.yaml"), JOB);
        Files.writeString(dir.resolve("model.yaml"), PreviewSampleEstimateTest.MODEL);
        List<String> lines = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int d = 0; d < 3; d++) {
            // three lines of about ten tokens each: no two fit one 16-token chunk
            String text = "The old stone bridge " + d + " crosses the river.\n"
                    + "Its builders came from the town of Arles.\n"
                    + "The bridge was finished in the spring of 18" + (20 + d) + ".";
            texts.add(text);
            lines.add(JSON.createObjectNode()
                    .put("id", "doc-" + d)
                    .put("text", text)
                    .toString());
        }
        Files.write(dir.resolve("data/part-000.jsonl"), lines);
        return texts;
    }

    @Test
    void aRejectedChunksRatioIsTakenAgainstItsChunk() throws Exception {
        writeJob();
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
