package io.palimpsest.worker.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.cli.CliRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String SOURCE =
            "The Halvern Bridge crosses the river Oske with five stone arches and was opened to traffic in 1794. "
                    + "Its longest arch spans twenty-six metres, which was unusual for a rural bridge of that period. "
                    + "The engineer, Marta Quillen, designed the piers with pointed cutwaters to split floodwater and ice.";
    private static final String REWRITE =
            "Five stone arches carry the Halvern Bridge over the Oske; it first took traffic in 1794. "
                    + "At twenty-six metres, the widest arch was remarkable for a country bridge of its time. "
                    + "Marta Quillen, who engineered the bridge, gave each pier a sharp cutwater so that floods and ice would divide around it.";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    private int validate(String... args) {
        ValidateCommand command = new ValidateCommand(
                new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        CommandLine cli = new CommandLine(command);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            throw e;
        });
        return cli.execute(args);
    }

    private Path recipe(String yaml) throws IOException {
        Path p = dir.resolve("recipe.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    private static ObjectNode pair(String id, String label, String source, String output, String finishReason) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("defect", label);
        n.put("source", source);
        n.put("output", output);
        if (finishReason != null) {
            n.put("finish_reason", finishReason);
        }
        return n;
    }

    private Path gzipLines(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            for (String l : lines) {
                out.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return p;
    }

    private static List<JsonNode> readLines(Path p) throws IOException {
        return Files.readAllLines(p).stream()
                .map(l -> {
                    try {
                        return JSON.readTree(l);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    @Test
    void labelledFileGivesVerdictsWithEveryReasonAndAConfusionTable() throws IOException {
        Path recipe = recipe("""
                prompts:
                  - name: wiki
                    user: "Rewrite: {{ text }}"
                validators:
                  - type: lengthRatio
                    min: 0.5
                    max: 2.0
                  - type: echo
                """);
        Path pairs = gzipLines(
                "pairs.jsonl.gz",
                List.of(
                        pair("good", "faithful", SOURCE, REWRITE, "stop").toString(),
                        pair("copy-cut", "echo", SOURCE, SOURCE.substring(0, 100), "length")
                                .toString(),
                        pair("copy", "echo", SOURCE, SOURCE, "stop").toString(),
                        "{not json",
                        pair("empty", "empty", SOURCE, "  ", null).toString(),
                        pair("missed", "echo", SOURCE, REWRITE, "stop").toString()));
        Path verdicts = dir.resolve("out/verdicts.jsonl");
        Path report = dir.resolve("report.json");

        int exit = validate(
                "-f",
                recipe.toString(),
                "--pairs",
                pairs.toString(),
                "--label",
                "defect",
                "--out",
                verdicts.toString(),
                "--report",
                report.toString(),
                "--threads",
                "2",
                "--no-progress");

        assertEquals(0, exit, stderr.toString());
        List<JsonNode> v = readLines(verdicts);
        assertEquals(6, v.size(), "one verdict per input line, unreadable ones included");
        assertEquals("good", v.get(0).get("id").asText());
        assertTrue(v.get(0).get("accepted").asBoolean());
        // The cut copy fails three ways; all three are listed, each with what it measured.
        JsonNode cut = v.get(1).get("rejections");
        assertEquals(List.of("truncation", "lengthRatio", "echo"), cut.findValuesAsText("reason"));
        assertTrue(cut.get(1).get("detail").asText().startsWith("length ratio 0.3"), cut.toString());
        assertTrue(cut.get(2).get("detail").asText().contains("100%"), cut.toString());
        assertEquals(1.0, cut.get(2).get("measured").asDouble(), cut.toString());
        assertEquals(0.8, cut.get(2).get("limit").asDouble(), cut.toString());
        assertFalse(cut.get(0).has("measured"), "finish_reason=length measures no number");
        assertEquals(List.of("echo"), v.get(2).get("rejections").findValuesAsText("reason"));
        assertEquals(4, v.get(3).get("line").asInt());
        assertTrue(
                v.get(3).get("unreadable").asText().startsWith("not JSON"),
                v.get(3).toString());
        assertEquals(List.of("empty_output"), v.get(4).get("rejections").findValuesAsText("reason"));
        assertTrue(v.get(5).get("accepted").asBoolean());

        JsonNode r = JSON.readTree(report.toFile());
        assertEquals(5, r.get("pairs").asInt());
        assertEquals(1, r.get("unreadable").asInt());
        assertEquals(2, r.at("/reasons/echo").asInt());
        JsonNode classes = r.at("/labels/classes");
        assertEquals(3, classes.at("/echo/pairs").asInt());
        assertEquals(2, classes.at("/echo/rejected").asInt());
        assertEquals(2.0 / 3, classes.at("/echo/detectionRate").asDouble(), 1e-9);
        assertEquals(2, classes.at("/echo/byReason/echo").asInt());
        assertEquals(1, classes.at("/echo/byReason/truncation").asInt());
        assertEquals(0.0, classes.at("/faithful/falseRejectRate").asDouble());
        assertEquals(1, classes.at("/empty/byReason/empty_output").asInt());
        JsonNode echo = r.at("/labels/perReason/echo");
        assertEquals(0, echo.get("onClean").asInt());
        assertEquals(2, echo.get("onDefects").asInt());
        assertEquals(1, echo.get("onlyCatch").asInt(), "the exact copy is caught by echo alone");

        String table = stdout.toString();
        assertTrue(table.contains("faithful (clean)"), table);
        assertTrue(table.matches("(?s).*\\necho +3 +2 +66\\.7%.*"), table);
        // the cut copy carries three reasons: the shares (of all pairs) add up past the rejected share, and say so
        assertTrue(table.matches("(?s).*\\nreason +pairs +of all pairs\\necho +2 +40\\.0%\\n.*"), table);
        assertTrue(
                table.contains("a rejected pair is counted under each of its reasons: these add up to 100.0%, the 3"
                        + " rejected pairs are 60.0% of all pairs"),
                table);
    }

    @Test
    void fieldNamesAreConfigurableAndNestedAndTheVariantPicksItsValidators() throws IOException {
        Path recipe = recipe("""
                prompts:
                  - name: wiki
                    user: "x"
                    validators:
                      - type: echo
                  - name: qa
                    user: "y"
                    validators:
                      - type: length
                        min: 100
                """);
        ObjectNode a = JSON.createObjectNode();
        a.putObject("doc").put("text", SOURCE);
        a.put("rewrite", SOURCE);
        a.putObject("provenance").put("variant", "wiki");
        ObjectNode b = a.deepCopy();
        ((ObjectNode) b.get("provenance")).put("variant", "qa");
        Path pairs = dir.resolve("p.jsonl");
        Files.writeString(pairs, a + "\n\n" + b + "\n");
        Path verdicts = dir.resolve("v.jsonl");

        int exit = validate(
                "-f",
                recipe.toString(),
                "--pairs",
                pairs.toString(),
                "--source-field",
                "doc.text",
                "--output-field",
                "rewrite",
                "--out",
                verdicts.toString(),
                "--no-progress");

        assertEquals(0, exit, stderr.toString());
        List<JsonNode> v = readLines(verdicts);
        assertEquals(List.of("echo"), v.get(0).get("rejections").findValuesAsText("reason"));
        assertEquals(3, v.get(1).get("line").asInt(), "blank lines are skipped but keep their numbers");
        assertEquals(List.of("length"), v.get(1).get("rejections").findValuesAsText("reason"));
    }

    @Test
    void aRewriteJobManifestWorksAndJudgesAreSkippedNotFaked() throws IOException {
        Path job = recipe("""
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata:
                  name: audit
                spec:
                  modelRef: {name: m}
                  input: {uri: "file:///tmp/in"}
                  output: {uri: "file:///tmp/out"}
                  recipe:
                    prompts:
                      - name: wiki
                        user: "Rewrite: {{ text }}"
                    postProcess:
                      - type: stripPreamble
                    validators:
                      - type: judge
                        judge:
                          user: "Score {{ output }}"
                """);
        Path pairs = dir.resolve("p.jsonl");
        Files.writeString(
                pairs, pair("x", null, SOURCE, "Sure! Here's the rewritten text:\n\n" + REWRITE, null) + "\n");
        Path report = dir.resolve("r.json");

        int exit = validate(
                "-f", job.toString(), "--pairs", pairs.toString(), "--report", report.toString(), "--no-progress");

        assertEquals(0, exit, stderr.toString());
        JsonNode r = JSON.readTree(report.toFile());
        assertEquals(List.of("truncation", "preamble"), JSON.convertValue(r.get("validators"), List.class));
        assertTrue(r.get("skipped").get(0).asText().contains("judge"), r.toString());
        assertEquals(1, r.at("/reasons/preamble").asInt());
        assertTrue(stderr.toString().contains("skipped:"), stderr.toString());
    }

    @Test
    void aRecipeWithoutModelFreeValidatorsAsksForAllValidators() throws IOException {
        Path recipe = recipe("""
                prompts:
                  - name: wiki
                    user: "x"
                """);
        Path pairs = dir.resolve("p.jsonl");
        Files.writeString(pairs, pair("x", null, SOURCE, SOURCE, "stop") + "\n");

        // Truncation is always there (as in palimpsest run), so the recipe alone still validates...
        assertEquals(0, validate("-f", recipe.toString(), "--pairs", pairs.toString(), "--no-progress"));
        assertFalse(stdout.toString().contains("echo"), stdout.toString());
        // ...and --all-validators adds the rest with their defaults.
        assertEquals(
                0, validate("-f", recipe.toString(), "--pairs", pairs.toString(), "--all-validators", "--no-progress"));
        assertTrue(
                stdout.toString()
                        .contains(
                                "validators: truncation, lengthRatio, repetition, refusal, echo, language, preamble, reasoning"),
                stdout.toString());
        assertTrue(stdout.toString().matches("(?s).*\\necho +1 .*"), stdout.toString());
    }

    /**
     * A pair without a label (absent, null, blank) is in no class and no rate, and is said apart; a clean
     * label matches in any case; a boolean or a number label stops the audit, naming the file, line and field.
     */
    @Test
    void pairsWithoutALabelAreCountedApartAndCleanLabelsMatchInAnyCase() throws IOException {
        Path recipe = recipe("validators:\n  - type: echo\n");
        String cut = "\"source\": \"" + SOURCE + "\", \"output\": ";
        String rewrite = "\"" + REWRITE + "\"";
        List<String> lines = List.of(
                "{\"id\": \"a\", " + cut + rewrite + ", \"defect\": \"faithful\"}",
                "{\"id\": \"b\", " + cut + rewrite + ", \"defect\": \"Faithful\"}",
                "{\"id\": \"c\", " + cut + "\"\", \"defect\": \"faithful\"}",
                "{\"id\": \"d\", " + cut + "\"" + SOURCE + "\", \"defect\": \"echo\"}",
                "{\"id\": \"e\", " + cut + rewrite + "}",
                "{\"id\": \"f\", " + cut + rewrite + ", \"defect\": null}",
                "{\"id\": \"j\", " + cut + rewrite + ", \"defect\": \"\"}");
        Path pairs = dir.resolve("small.jsonl");
        Files.writeString(pairs, String.join("\n", lines) + "\n");
        Path report = dir.resolve("small-report.json");

        CliRun run = palimpsest(
                "validate",
                "-f",
                recipe.toString(),
                "--pairs",
                pairs.toString(),
                "--label",
                "defect",
                "--report",
                report.toString(),
                "--no-progress");

        assertEquals(0, run.exit(), run.err());
        JsonNode labels = JSON.readTree(report.toFile()).path("labels");
        assertEquals(3, labels.path("cleanPairs").asLong(), labels.toString());
        assertEquals(1, labels.path("defectPairs").asLong(), labels.toString());
        assertEquals(3, labels.path("unlabelledPairs").asLong(), labels.toString());
        assertEquals(
                List.of("echo", "faithful"), iterable(labels.path("classes").fieldNames()));
        assertEquals(3, labels.path("classes").path("faithful").path("pairs").asLong());
        assertTrue(run.out().contains("defective pairs rejected: 100.0% of 1"), run.out());
        assertTrue(run.out().contains("3 pairs without a label, not counted"), run.out());

        Files.writeString(pairs, lines.get(0) + "\n" + "{\"id\": \"g\", " + cut + "\"\", \"defect\": false}\n");
        CliRun bool = palimpsest(
                "validate", "-f", recipe.toString(), "--pairs", pairs.toString(), "--label", "defect", "--no-progress");
        assertEquals(ExitCodes.FAILED, bool.exit(), bool.err());
        assertTrue(bool.err().contains("small.jsonl line 2: label field 'defect' is a boolean (false)"), bool.err());
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    private static CliRun palimpsest(String... args) {
        return CliRun.of(args);
    }

    /** As its help says: 78 for a recipe or manifests that cannot be used (as lint), 1 for pairs it cannot read. */
    @Test
    void exitCodesAndMessagesAreThoseTheHelpGives() throws IOException {
        Path pairs = dir.resolve("p.jsonl");
        Files.writeString(pairs, pair("x", null, SOURCE, REWRITE, "stop") + "\n");
        Path good = recipe("validators:\n  - type: repetition\n");

        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "validators:\n  - type: [repetition\n");
        CliRun yaml = palimpsest("validate", "-f", broken.toString(), "--pairs", pairs.toString(), "--no-progress");
        assertEquals(ExitCodes.INVALID_JOB, yaml.exit(), yaml.err());
        assertTrue(yaml.err().contains(broken + ":2: not valid YAML: "), yaml.err());
        assertFalse(yaml.err().contains("in 'reader'") || yaml.err().contains("^"), yaml.err());

        Path configMap = dir.resolve("cm.yaml");
        Files.writeString(configMap, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        CliRun other = palimpsest("validate", "-f", configMap.toString(), "--pairs", pairs.toString(), "--no-progress");
        assertEquals(ExitCodes.INVALID_JOB, other.exit(), other.err());
        assertTrue(other.err().contains("ConfigMap \"x\" is not a Palimpsest manifest"), other.err());

        CliRun noRecipe = palimpsest(
                "validate", "-f", dir.resolve("nosuch.yaml").toString(), "--pairs", pairs.toString(), "--no-progress");
        assertEquals(ExitCodes.INVALID_JOB, noRecipe.exit(), noRecipe.err());
        assertTrue(
                noRecipe.err().contains("palimpsest validate: " + dir.resolve("nosuch.yaml") + " does not exist"),
                noRecipe.err());

        CliRun noPairs = palimpsest(
                "validate",
                "-f",
                good.toString(),
                "--pairs",
                dir.resolve("nosuch.jsonl").toString(),
                "--no-progress");
        assertEquals(ExitCodes.FAILED, noPairs.exit(), noPairs.err());
        assertTrue(
                noPairs.err().contains("palimpsest validate: " + dir.resolve("nosuch.jsonl") + " does not exist"),
                noPairs.err());

        String help = palimpsest("validate", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("78 on a bad recipe or manifests"), help);
        assertTrue(help.contains("1 on a missing or unreadable pairs file"), help);
    }

    /**
     * A bare recipe is checked as the same recipe inside a RewriteJob is by lint: a misspelt field
     * ({@code maxx}) would otherwise be dropped and the audit run without the bound the user wrote.
     */
    @Test
    void aBareRecipeIsCheckedAgainstTheCrdsRecipeSchemaByLine() throws IOException {
        Path pairs = dir.resolve("p.jsonl");
        Files.writeString(pairs, pair("x", null, SOURCE, REWRITE, "stop") + "\n");
        Path bare = recipe("""
                validators:
                  - type: lengthRatio
                    min: 0.3
                    maxx: 3
                  - type: repetition
                    threshold: high
                """);
        CliRun run = palimpsest("validate", "-f", bare.toString(), "--pairs", pairs.toString(), "--no-progress");
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err().contains(bare + ":4: validators[0].maxx: unknown field \"maxx\" (did you mean \"max\"?)"),
                run.err());
        assertTrue(
                run.err()
                        .contains(
                                bare + ":6: validators[1].threshold: Invalid value: \"high\": must be of type number"),
                run.err());

        Path nested = dir.resolve("nested.yaml");
        Files.writeString(nested, "recipe:\n  validators:\n    - type: lengthRatio\n      min: 3\n      max: 0.3\n");
        CliRun rule = palimpsest("validate", "-f", nested.toString(), "--pairs", pairs.toString(), "--no-progress");
        assertEquals(ExitCodes.INVALID_JOB, rule.exit(), rule.err());
        assertTrue(rule.err().contains(nested + ":3: recipe.validators[0]: min must not exceed max"), rule.err());

        // what lint and the planner refuse in a job, validate refuses in a bare recipe, at its line
        Path negative = recipe("validators:\n  - type: lengthRatio\n    min: -1\n    max: 3\n");
        CliRun below = palimpsest("validate", "-f", negative.toString(), "--pairs", pairs.toString(), "--no-progress");
        assertEquals(ExitCodes.INVALID_JOB, below.exit(), below.err());
        assertTrue(
                below.err()
                        .contains(negative + ":3: validators[0].min: -1 is negative, and a length ratio (output words"
                                + " / source words) never is"),
                below.err());

        Path fine = recipe("validators:\n  - type: lengthRatio\n    min: 0.3\n    max: 3\n");
        CliRun ok = palimpsest("validate", "-f", fine.toString(), "--pairs", pairs.toString(), "--no-progress");
        assertEquals(ExitCodes.DONE, ok.exit(), ok.err());
    }
}
