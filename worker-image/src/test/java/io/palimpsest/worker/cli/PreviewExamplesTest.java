package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.recipe.examples.ExamplesLocator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The preview of every example against the simulator: every document of the input is in preview.json
 * and in the report's embedded data, and each variant's verdict on each document is the one
 * {@code palimpsest local} commits for it (outputs and rejects, by reason).
 */
class PreviewExamplesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    static Stream<String> examples() throws IOException {
        try (Stream<Path> list = Files.list(ExamplesLocator.examples())) {
            // The examples with a sample corpus beside them (quickstart-cluster reads a claim: cluster only).
            return list
                    .filter(p -> Files.isRegularFile(p.resolve("job.yaml")) && Files.isDirectory(p.resolve("data")))
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void previewShowsWhatLocalCommits(String example) throws Exception {
        // What is committed and previewed does not depend on when the simulator answers, so the
        // examples run without its modelled latency (a repetition fault alone decodes 2,048 tokens at
        // 10 ms each), except quickstart: its preview measures the simulator's capacity
        // (--calibration-seconds), and it keeps the whole path at the latency users see.
        UnaryOperator<SimConfig.Builder> tuning = LocalCommand.LocalModel.simulatorTuning;
        if (!example.equals("quickstart")) {
            LocalCommand.LocalModel.simulatorTuning = SimConfig.Builder::zeroLatency;
        }
        try {
            previewAndLocal(example);
        } finally {
            LocalCommand.LocalModel.simulatorTuning = tuning;
        }
    }

    private void previewAndLocal(String example) throws Exception {
        Path manifests = ExamplesLocator.examples().resolve(example);
        Path committed = temp.resolve("out");
        Path report = temp.resolve("preview");
        assertEquals(
                0,
                PalimpsestCli.execute(
                        "local", "-f", manifests.toString(), "--simulate", "--out", committed.toString()));
        assertEquals(
                documentedFigures(example),
                committedFigures(committed),
                "docs/RECIPES.md's worked example prints what `local --simulate` commits");
        List<String> capacity = example.equals("quickstart")
                ? List.of("--calibration-seconds", "2")
                : List.of("--tokens-per-second-per-replica", "2000");
        List<String> args = new ArrayList<>(List.of(
                "preview",
                "-f",
                manifests.toString(),
                "--simulate",
                "--sample",
                "1000",
                "--out",
                report.toString(),
                "--gpu-hour-price",
                "2"));
        args.addAll(capacity);
        assertEquals(0, PalimpsestCli.execute(args.toArray(String[]::new)));

        JsonNode preview = JSON.readTree(report.resolve("preview.json").toFile());
        List<String> committedVerdicts = committedVerdicts(committed);
        List<String> previewVerdicts = previewVerdicts(preview);
        assertEquals(committedVerdicts, previewVerdicts, example + ": the preview's verdicts are local's");
        long read = 0;
        for (Path receipt : Files.newDirectoryStream(committed.resolve("_palimpsest/receipts"))) {
            read += JSON.readTree(receipt.toFile()).path("counts").path("read").asLong();
        }
        assertEquals(read, preview.path("documents").size(), "every document of the input is sampled (sample > input)");
        assertEquals(read, preview.path("plan").path("documents").asLong());
        assertFalse(preview.path("plan").path("documentsEstimated").asBoolean());

        String html = Files.readString(report.resolve("report.html"));
        JsonNode embedded = JSON.readTree(embeddedData(html));
        assertEquals(
                preview.path("documents").size(), embedded.path("documents").size());
        for (int i = 0; i < preview.path("documents").size(); i++) {
            JsonNode written = preview.path("documents").get(i);
            JsonNode shown = embedded.path("documents").get(i);
            for (String field : List.of("id", "source", "outcomes", "checks")) {
                assertEquals(
                        written.path(field),
                        shown.path(field),
                        "document " + i + ": " + field + " embedded as written");
            }
            assertEquals(
                    written.path("prompts").size(),
                    shown.path("prompts").size(),
                    "document " + i + ": every call embedded");
        }
        assertFalse(html.contains("<link"), "no external stylesheet");
        assertFalse(html.matches("(?s).*<script[^>]*\\ssrc=.*"), "no external script");
        assertFalse(html.contains("@import") || html.contains("url("), "no fetched CSS resource");

        JsonNode estimate = preview.path("estimate");
        assertTrue(estimate.path("completionTokens").path("low").asDouble()
                <= estimate.path("completionTokens").path("estimate").asDouble());
        assertTrue(estimate.path("completionTokens").path("estimate").asDouble()
                <= estimate.path("completionTokens").path("high").asDouble());
        long committedCompletion = 0;
        for (Path receipt : Files.newDirectoryStream(committed.resolve("_palimpsest/receipts"))) {
            committedCompletion += JSON.readTree(receipt.toFile())
                    .path("counts")
                    .path("completionTokens")
                    .asLong();
        }
        assertEquals(
                committedCompletion,
                estimate.path("completionTokens").path("estimate").asDouble(),
                0.5,
                "with the whole input sampled, the estimate is the committed run's tokens");
        if (!example.equals("restructured")) {
            assertNotNull(estimate.get("gpuHours"));
            assertTrue(estimate.path("cost").path("estimate").asDouble() > 0);
        }
    }

    /**
     * The {@code documents} and {@code tokens} lines docs/RECIPES.md shows under the example's heading
     * ({@code ### <example>: ...}), without the run's own tokens.
     */
    private static List<String> documentedFigures(String example) throws IOException {
        String docs = Files.readString(ExamplesLocator.examples().resolveSibling("docs/RECIPES.md"));
        int heading = docs.indexOf("\n### " + example + ":");
        assertTrue(heading >= 0, "docs/RECIPES.md has a worked example for " + example);
        int end = docs.indexOf("\n### ", heading + 1);
        List<String> figures = new ArrayList<>();
        for (String line :
                docs.substring(heading, end < 0 ? docs.length() : end).split("\n")) {
            if (line.startsWith("documents  ")
                    || line.startsWith("rejected   ")
                    || line.startsWith("skipped    ")
                    || line.startsWith("tokens     ")) {
                figures.add(line.replaceFirst(" committed \\(this run: .*\\)$", ""));
            }
        }
        return figures;
    }

    /**
     * The same lines, summed over the committed receipts (the rejected and skipped lines when documents were
     * rejected or skipped).
     */
    private static List<String> committedFigures(Path out) throws IOException {
        long[] sums = new long[6];
        List<String> fields = List.of("read", "written", "rejected", "skipped", "promptTokens", "completionTokens");
        Map<String, Long> rejected = new TreeMap<>();
        Map<String, Long> skipped = new TreeMap<>();
        for (Path receipt : Files.newDirectoryStream(out.resolve("_palimpsest/receipts"))) {
            JsonNode counts = JSON.readTree(receipt.toFile()).path("counts");
            for (int i = 0; i < fields.size(); i++) {
                sums[i] += counts.path(fields.get(i)).asLong();
            }
            counts.path("reasons")
                    .fields()
                    .forEachRemaining(
                            e -> rejected.merge(e.getKey(), e.getValue().asLong(), Long::sum));
            counts.path("skipReasons")
                    .fields()
                    .forEachRemaining(
                            e -> skipped.merge(e.getKey(), e.getValue().asLong(), Long::sum));
        }
        List<String> figures = new ArrayList<>();
        figures.add(String.format(
                "documents  read %d, written %d, rejected %d, skipped %d", sums[0], sums[1], sums[2], sums[3]));
        if (!rejected.isEmpty()) {
            figures.add("rejected   " + LocalSummary.documentsByReason(rejected));
        }
        if (!skipped.isEmpty()) {
            figures.add("skipped    " + LocalSummary.documentsByReason(skipped));
        }
        figures.add(String.format("tokens     prompt %d, completion %d", sums[4], sums[5]));
        return figures;
    }

    /** "file:line variant status/reason" for every output and reject local committed, sorted. */
    private static List<String> committedVerdicts(Path out) throws IOException {
        List<String> verdicts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path file : files.filter(p -> p.getFileName().toString().matches("shard-\\d+\\.jsonl(\\.zst|\\.gz)?"))
                    .toList()) {
                Path relative = out.relativize(file);
                boolean rejects = relative.startsWith("_palimpsest");
                for (JsonNode record : read(file)) {
                    if (rejects) {
                        String variant = record.path("variant").asText("");
                        verdicts.add(record.path("file").asText() + ":"
                                + record.path("line").asLong() + " " + variant + " "
                                + record.path("outcome").asText() + "/"
                                + record.path("reason").asText());
                    } else {
                        JsonNode p = record.path("provenance");
                        verdicts.add(p.path("file").asText() + ":"
                                + p.path("line").asLong() + " " + relative.getName(0) + " accepted");
                    }
                }
            }
        }
        verdicts.sort(null);
        return verdicts;
    }

    private static List<String> previewVerdicts(JsonNode preview) {
        List<String> verdicts = new ArrayList<>();
        for (JsonNode doc : preview.path("documents")) {
            for (JsonNode o : doc.path("outcomes")) {
                String where = doc.path("file").asText() + ":"
                        + doc.path("line").asLong() + " " + o.path("variant").asText("") + " ";
                verdicts.add(where
                        + (o.path("status").asText().equals("accepted")
                                ? "accepted"
                                : o.path("status").asText() + "/"
                                        + o.path("reason").asText()));
            }
        }
        verdicts.sort(null);
        return verdicts;
    }

    private static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        try (InputStream in = Compression.ofFileName(file.toString()).decompress(Files.newInputStream(file))) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    records.add(JSON.readTree(line));
                }
            }
        }
        return records;
    }

    static String embeddedData(String html) {
        String open = "<script id=\"report-data\" type=\"application/json\">";
        int from = html.indexOf(open) + open.length();
        return html.substring(from, html.indexOf("</script>", from));
    }
}
