package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.FinishedInputs;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs that cannot be right stop before any model call or commit, through the real CLI: exit
 * {@link ExitCodes#INVALID_JOB}, a message that names what is wrong, and nothing written to the output.
 */
class JobRefusalsTest {

    private static final Path QUICKSTART = Path.of("../examples/quickstart");

    @TempDir
    Path tmp;

    Path manifests;
    Path out;

    @BeforeEach
    void copyQuickstart() throws IOException {
        manifests = QuickstartCopy.into(tmp);
        out = tmp.resolve("out");
    }

    private CliRun local(String... extra) {
        String[] args = Stream.concat(
                        Stream.of("local", "-f", manifests.toString(), "--simulate", "--out", out.toString()),
                        Stream.of(extra))
                .toArray(String[]::new);
        return CliRun.of(args);
    }

    private void edit(String from, String to) throws IOException {
        Path job = manifests.resolve("job.yaml");
        String text = Files.readString(job);
        assertTrue(text.contains(from), from);
        Files.writeString(job, text.replace(from, to));
    }

    private void assertNothingWritten() throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        try (Stream<Path> files = Files.walk(out)) {
            assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "nothing committed or planned");
        }
    }

    private static long records(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).count();
    }

    private static void assertNoJavaNames(String err) {
        assertFalse(err.matches("(?s).*(Exception|java\\.|io\\.palimpsest\\.).*"), err);
    }

    @Test
    void lintListsEveryProblemByFileLineAndField() throws IOException {
        edit(
                "temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 1",
                "temprature: 0.7, topP: 1.9, maxTokens: 1024, seed: 1");
        edit("filesPerShard: 1 ", "filesPerShard: 0 ");
        edit("    name: qwen-small", "    name: qwen-smal");
        CliRun lint = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.INVALID_JOB, lint.exit(), lint.err());
        String job = manifests.resolve("job.yaml").toString();
        assertTrue(
                lint.err()
                        .contains(
                                job
                                        + ":24: spec.sharding.filesPerShard: Invalid value: 0: should be greater than or equal to 1"),
                lint.err());
        assertTrue(
                lint.err()
                        .contains(
                                job + ":33: spec.recipe.prompts[0].sampling.temprature: unknown field \"temprature\""),
                lint.err());
        assertTrue(
                lint.err().contains(job + ":33: spec.recipe.prompts[0].sampling.topP: Invalid value: 1.9"), lint.err());
        assertTrue(lint.err().contains(job + ":11: spec.modelRef.name: names RewriterModel \"qwen-smal\""), lint.err());
        assertTrue(lint.err().contains("4 problem(s)"), lint.err());
        assertNoJavaNames(lint.err());

        CliRun local = local();
        assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
        assertTrue(local.err().contains("4 problem(s)") && local.err().contains("temprature"), local.err());
        assertNothingWritten();
    }

    /** Lint refuses what local refuses: a set with nothing of Palimpsest's in it, named by what it does hold. */
    /** A file where the output folder should be is named, with spec.output.uri, before anything is tried. */
    @Test
    void anOutputThatIsAFileIsRefusedNamingTheUriAndTheFile() throws IOException {
        Files.writeString(out, "hi\n");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(run.err().contains("spec.output.uri "), run.err());
        assertTrue(run.err().contains(": " + out + " is a file, and the output is a folder"), run.err());
        assertFalse(run.err().contains("probe-conditional-write"), run.err());
        assertNoJavaNames(run.err());
        assertEquals("hi\n", Files.readString(out), "the file is left as it was");

        out = out.resolve("below");
        CliRun below = local();
        assertEquals(ExitCodes.INVALID_JOB, below.exit(), below.err());
        assertTrue(below.err().contains(" (above " + out + ") is a file"), below.err());
    }

    @Test
    void runWithoutAPlanNamesTheManifestItLookedFor() throws IOException {
        edit("uri: file://quickstart-out/", "uri: " + out.toUri());
        Files.createDirectories(out); // an output folder that exists: its URI ends with a slash
        CliRun run = CliRun.of(
                "run",
                "-f",
                manifests.toString(),
                "--shard",
                "5",
                "--termination-log",
                tmp.resolve("t").toString());
        assertEquals(ExitCodes.FAILED, run.exit(), run.err());
        assertTrue(
                run.err().contains("no plan at file://" + out + "/_palimpsest/manifest.jsonl: run `palimpsest plan`"),
                run.err());
    }

    @Test
    void lintRefusesManifestsWithNoJobOrModel() throws IOException {
        Path configMaps = Files.createDirectories(tmp.resolve("configmaps"));
        Files.writeString(
                configMaps.resolve("cm.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n");
        CliRun lint = CliRun.of("lint", "-f", configMaps.toString());
        assertEquals(ExitCodes.INVALID_JOB, lint.exit(), lint.err());
        assertTrue(lint.err().contains(configMaps + " holds no RewriteJob or RewriterModel manifest"), lint.err());
        assertTrue(
                lint.err()
                        .contains(configMaps.resolve("cm.yaml")
                                + ":2: ConfigMap \"settings\" is not a Palimpsest manifest"),
                lint.err());
        CliRun local = CliRun.of("local", "-f", configMaps.toString(), "--simulate", "--out", out.toString());
        assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
        assertTrue(local.err().contains(configMaps + " holds no RewriteJob manifest"), local.err());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        CliRun none = CliRun.of("lint", "-f", empty.toString());
        assertEquals(ExitCodes.INVALID_JOB, none.exit(), none.err());
        assertTrue(
                none.err().contains(empty + " holds no RewriteJob or RewriterModel manifest: no .yaml or .yml file"),
                none.err());

        // beside a job and its model, another kind is named as a warning and the set passes
        Files.copy(configMaps.resolve("cm.yaml"), manifests.resolve("cm.yaml"));
        CliRun mixed = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.DONE, mixed.exit(), mixed.err());
        assertTrue(
                mixed.err().contains("warning: " + manifests.resolve("cm.yaml") + ":2: ConfigMap \"settings\""),
                mixed.err());
    }

    /**
     * lint reads the manifests only, unless told to reach the input: with --input it lists the input and refuses
     * what the planner would refuse there, in the planner's words at the manifest's line (here a dataset card among
     * the files the globs take), as local refuses it; and on an input the planner takes it says what it found.
     */
    @Test
    void lintWithInputListsItAndRefusesWhatThePlannerWould() throws IOException {
        edit("include: [\"*.jsonl\"]", "include: []");
        Path card = manifests.resolve("data/README.md");
        Files.writeString(card, "# A small corpus\n");

        CliRun offline = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.DONE, offline.exit(), offline.err());

        CliRun reached = CliRun.of("lint", "-f", manifests.toString(), "--input");
        assertEquals(ExitCodes.INVALID_JOB, reached.exit(), reached.err());
        CliRun local = local();
        assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
        String located = manifests.resolve("job.yaml") + ":" + lineOf("include: []") + ": spec.input.include: ";
        String refusal = local.err()
                .lines()
                .filter(l -> l.contains("not corpus data: README.md"))
                .findFirst()
                .map(l -> l.substring(l.indexOf(located)))
                .orElseThrow(() -> new AssertionError(local.err()));
        assertTrue(reached.err().contains(refusal), reached.err());
        assertNoJavaNames(reached.err());
        assertNothingWritten();

        Files.delete(card);
        CliRun clean = CliRun.of("lint", "-f", manifests.toString(), "--input");
        assertEquals(ExitCodes.DONE, clean.exit(), clean.err());
        assertTrue(clean.out().contains("input " + manifests.resolve("data").toUri() + ": 2 files"), clean.out());
    }

    /** Repeated -f form one set, as kubectl apply -f a -f b: a job in one file finds its model in another. */
    @Test
    void lintChecksRepeatedFilesAsOneSet() throws IOException {
        CliRun lint = CliRun.of(
                "lint",
                "-f",
                manifests.resolve("job.yaml").toString(),
                "-f",
                manifests.resolve("model.yaml").toString());
        assertEquals(ExitCodes.DONE, lint.exit(), lint.err());
        // the quickstart reads and writes file:// (palimpsest local's); lint passes it and says the cluster would not
        assertTrue(
                lint.err()
                        .contains("warning: " + manifests.resolve("job.yaml") + ":" + lineOf("uri: file://data/")
                                + ": spec.input.uri: file:// exists on one machine only (palimpsest local); in a"
                                + " cluster use s3:// or pvc:// (on a cluster the job fails InvalidSpec)"),
                lint.err());
        assertTrue(lint.err().contains(": spec.output.uri: file:// exists on one machine only"), lint.err());
        CliRun jobOnly = CliRun.of("lint", "-f", manifests.resolve("job.yaml").toString());
        assertEquals(ExitCodes.INVALID_JOB, jobOnly.exit(), jobOnly.err());
        assertTrue(jobOnly.err().contains("names RewriterModel \"qwen-small\", which is not among"), jobOnly.err());
    }

    private int lineOf(String text) throws IOException {
        List<String> lines = Files.readAllLines(manifests.resolve("job.yaml"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text);
    }

    @Test
    void lintAndLocalRefuseTheSameRecipesNamingFileLineAndField() throws IOException {
        edit(
                "Use lines starting with \"Question:\" and \"Answer:\".\n          <document>{{ text }}",
                "Use lines starting with \"Question:\" and \"Answer:\".\n          <document>{{ txt }}");
        edit(
                "    postProcess:\n      - type: stripPreamble       # drop lead-ins such as \"Sure! Here is the rewrite:\"\n",
                """
                    routes:
                      - when: "meta.x ==="
                        variants: [wiki]
                    preFilters:
                      - type: regex
                        pattern: "(unclosed"
                    postProcess:
                      - type: stripPreamble
                      - type: stripPattern
                        pattern: "[a-"
                """);
        edit(
                "      - type: refusal\n",
                "      - type: refusal\n      - type: judge\n        scorePattern: \"(\"\n        judge: {user: \"{{ output }}\"}\n");
        String job = manifests.resolve("job.yaml").toString();
        List<String> expected = List.of(
                job + ":" + lineOf("{{ txt }}")
                        + ": spec.recipe.prompts[1].user: variant qa, line 3: unknown variable 'txt'",
                job + ":" + lineOf("meta.x ===") + ": spec.recipe.routes[0].when: CEL expression does not compile",
                job + ":" + lineOf("(unclosed") + ": spec.recipe.preFilters[0].pattern: bad pattern",
                job + ":" + lineOf("[a-") + ": spec.recipe.postProcess[1].pattern: bad pattern",
                job + ":" + lineOf("scorePattern") + ": spec.recipe.validators[2].scorePattern: bad scorePattern");
        CliRun lint = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.INVALID_JOB, lint.exit(), lint.err());
        for (String problem : expected) {
            assertTrue(lint.err().contains(problem), problem + " in\n" + lint.err());
        }
        assertTrue(lint.err().contains("5 problem(s)"), lint.err());
        assertNoJavaNames(lint.err());

        CliRun local = local();
        assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
        for (String problem : expected) {
            assertTrue(local.err().contains(problem), problem + " in\n" + local.err());
        }
        assertNothingWritten();
    }

    /**
     * A prompt without the document and a negative length ratio: each the same for every document,
     * refused by lint and local alike at its file, line and field.
     */
    @Test
    void aPromptWithoutTheDocumentAndANegativeRatioAreRefusedByLintAndLocalAtTheirLines() throws IOException {
        edit(
                "          <document>{{ text }}</document>\n        sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2}",
                "        sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2}");
        edit("min: 0.3", "min: -1");
        String job = manifests.resolve("job.yaml").toString();
        List<String> expected = List.of(
                job + ":" + (lineOf("- name: qa") + 1) + ": spec.recipe.prompts[1].user: variant qa: the prompt reads"
                        + " nothing of the document",
                job + ":" + lineOf("min: -1") + ": spec.recipe.validators[3].min: -1 is negative, and a length ratio"
                        + " (output words / source words) never is");
        CliRun lint = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.INVALID_JOB, lint.exit(), lint.err());
        CliRun local = local();
        assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
        for (String problem : expected) {
            assertTrue(lint.err().contains(problem), problem + " in\n" + lint.err());
            assertTrue(local.err().contains(problem), problem + " in\n" + local.err());
        }
        assertNothingWritten();
    }

    /** A judge's score pattern whose group 1 may be left out reads "4.5" as ".5": lint and local refuse it alike. */
    @Test
    void aScorePatternWithAnOptionalFirstGroupIsRefusedByLintAndLocalAtItsLine() throws IOException {
        edit(
                "      - type: refusal\n",
                "      - type: refusal\n      - type: judge\n        scorePattern: \"\\\\d+(\\\\.\\\\d+)?\"\n"
                        + "        judge: {user: \"Rate {{ output }}\"}\n");
        String expected = manifests.resolve("job.yaml") + ":" + lineOf("scorePattern")
                + ": spec.recipe.validators[2].scorePattern: group 1, (\\.\\d+)?, is optional";
        CliRun lint = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.INVALID_JOB, lint.exit(), lint.err());
        assertTrue(lint.err().contains(expected), lint.err());
        CliRun local = local();
        assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
        assertTrue(local.err().contains(expected), local.err());
        assertNothingWritten();
    }

    @Test
    void aReplyCapTheModelCannotHoldIsRefusedByLintAndLocalAtItsLine() throws IOException {
        edit(
                "temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 1",
                "temperature: 0.7, topP: 0.9, maxTokens: 8192, seed: 1");
        String expected = manifests.resolve("job.yaml") + ":33: spec.recipe.prompts[0].sampling.maxTokens: 8192 leaves"
                + " no room for the prompt in the model's context (engine.maxModelLen 8192)";
        CliRun lint = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.INVALID_JOB, lint.exit(), lint.err());
        assertTrue(lint.err().contains(expected), lint.err());
        CliRun local = local();
        assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
        assertTrue(local.err().contains(expected), local.err());
        assertNothingWritten();
    }

    @Test
    void aChunkedRequestOverTheModelsContextIsWarnedOfByLintAndLocalNamingTheFieldsAndTheFix() throws IOException {
        // 7600-token chunks, a prompt of some 40 tokens and 1024 for the reply: over 8192 for every full chunk,
        // though the quickstart's short documents fit; before, nothing compared the sum with the context
        edit("    postProcess:\n", "    chunking: {mode: segments, maxTokens: 7600}\n    postProcess:\n");
        String warning = manifests.resolve("job.yaml") + ":33: spec.recipe.prompts[0].sampling.maxTokens: variant wiki:"
                + " a full-size chunk makes a request of ";
        String numbers = " + 7600 (chunking.maxTokens) + 1024 (sampling.maxTokens) = ";
        String fix = "over the model's context (engine.maxModelLen 8192) by ";
        CliRun lint = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.DONE, lint.exit(), lint.err());
        assertTrue(lint.err().contains("warning: " + warning), lint.err());
        CliRun local = local();
        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        for (String err : List.of(lint.err(), local.err())) {
            assertTrue(err.contains(numbers), err);
            assertTrue(err.contains(fix), err);
            assertTrue(err.contains("lower chunking.maxTokens or sampling.maxTokens by "), err);
            assertTrue(err.contains("spec.recipe.prompts[1].sampling.maxTokens: variant qa:"), err);
        }
        // the same words: lint names the file and line before them, local the field alone
        String words = warning.substring(warning.indexOf("spec.recipe."));
        assertTrue(local.err().contains("warning: " + words), local.err());

        // chunks that fit with room to spare: no warning
        edit("maxTokens: 7600}", "maxTokens: 4000}");
        CliRun fits = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.DONE, fits.exit(), fits.err());
        assertFalse(fits.err().contains("chunking.maxTokens"), fits.err());
    }

    @Test
    void aChunkedRequestOverTheModelsContextWithoutAnyChunkTextIsRefusedByLintAndLocal() throws IOException {
        // previous chunks keep 7200 tokens and the reply 1024: with the prompt's own, no chunk text fits in 8192
        edit(
                "    postProcess:\n",
                "    chunking: {mode: autoregressive, maxTokens: 500, contextTokens: 7200}\n    postProcess:\n");
        String expected = manifests.resolve("job.yaml") + ":33: spec.recipe.prompts[0].sampling.maxTokens: variant"
                + " wiki: the request without any chunk text is already ";
        String numbers = " + 7200 (chunking.contextTokens) + 1024 (sampling.maxTokens) = ";
        CliRun lint = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.INVALID_JOB, lint.exit(), lint.err());
        assertTrue(lint.err().contains(expected), lint.err());
        assertTrue(lint.err().contains(numbers), lint.err());
        assertTrue(lint.err().contains("lower sampling.maxTokens or chunking.contextTokens"), lint.err());
        CliRun local = local();
        assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
        assertTrue(local.err().contains(expected), local.err());
        assertNothingWritten();
    }

    @Test
    void theExamplesPassLint() {
        // each alone: quickstart and quickstart-cluster are one campaign for two places, same names
        for (String example : List.of(
                QUICKSTART.toString(), "../examples/wrap", "../examples/maga", "../examples/quickstart-cluster")) {
            CliRun lint = CliRun.of("lint", "-f", example);
            assertEquals(ExitCodes.DONE, lint.exit(), example + ": " + lint.err());
        }
        // together, the two quickstarts would replace each other's job and model
        CliRun both = CliRun.of("lint", "-f", QUICKSTART.toString(), "-f", "../examples/quickstart-cluster");
        assertEquals(ExitCodes.INVALID_JOB, both.exit(), both.err());
        assertTrue(both.err().contains("another RewriteJob named \"quickstart\""), both.err());
    }

    @Test
    void anOutputInsideAnotherOutputIsRefusedNamingIt() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());

        Path inner = out.resolve("sub");
        CliRun nested = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", inner.toString());
        assertEquals(ExitCodes.INVALID_JOB, nested.exit(), nested.err());
        assertTrue(
                nested.err()
                        .contains("is inside another output: " + out.toAbsolutePath() + " holds a plan ("
                                + out.toAbsolutePath() + "/_palimpsest/manifest.jsonl)"),
                nested.err());
        assertTrue(nested.err().contains("write to an output apart from " + out.toAbsolutePath()), nested.err());
        // the output is --out's, not the manifest's spec.output.uri: no line of the manifest is named for it
        assertTrue(nested.err().contains("palimpsest local: spec.output.uri "), nested.err());
        assertFalse(Files.exists(inner.resolve("_palimpsest")), "nothing planned inside the other output");

        // The other way round: an output around one that exists.
        Path around = tmp.resolve("around");
        CliRun innerFirst = CliRun.of(
                "local",
                "-f",
                manifests.toString(),
                "--simulate",
                "--out",
                around.resolve("a/b").toString());
        assertEquals(ExitCodes.DONE, innerFirst.exit(), innerFirst.err());
        CliRun outer = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", around.toString());
        assertEquals(ExitCodes.INVALID_JOB, outer.exit(), outer.err());
        // a location that is no campaign and holds one is refused as it holds files: one look at its first names
        assertTrue(
                outer.err().contains("holds files and no Palimpsest campaign (no _palimpsest/ folder):" + " a/;"),
                outer.err());
        assertFalse(Files.exists(around.resolve("_palimpsest/manifest.jsonl")));
    }

    /**
     * An output location that holds someone's files and no campaign is refused by {@code local} and {@code plan}
     * (the cluster's planner) alike, naming a few of them, before anything is written there.
     */
    @Test
    void anOutputHoldingSomeonesFilesIsRefusedBeforeAnythingIsWritten() throws IOException {
        Files.createDirectories(out.resolve("wiki"));
        Files.writeString(out.resolve("README.md"), "my notes\n");
        Files.writeString(out.resolve("wiki/shard-00000.jsonl"), "{\"id\":\"mine\",\"text\":\"mine\"}\n");
        Files.writeString(out.resolve(".DS_Store"), "");

        CliRun refused = local();
        assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
        assertTrue(
                refused.err()
                        .contains("holds files and no Palimpsest campaign (no _palimpsest/ folder):"
                                + " README.md, wiki/;"),
                refused.err());
        assertTrue(refused.err().contains("output " + out.toAbsolutePath().toUri()), refused.err());
        assertTrue(
                refused.err()
                        .contains("; shards written there would mix with them: write to an empty location, or remove"
                                + " those files"),
                refused.err());
        assertNoJavaNames(refused.err());

        edit("uri: file://quickstart-out/", "uri: " + out.toAbsolutePath().toUri());
        CliRun plan = CliRun.of("plan", "-f", manifests.toString(), "--termination-log", "");
        assertEquals(ExitCodes.INVALID_JOB, plan.exit(), plan.err());
        assertTrue(plan.err().contains("README.md, wiki/;"), plan.err());

        assertFalse(Files.exists(out.resolve("_palimpsest")), "nothing planned");
        assertEquals("{\"id\":\"mine\",\"text\":\"mine\"}\n", Files.readString(out.resolve("wiki/shard-00000.jsonl")));
        try (Stream<Path> files = Files.walk(out)) {
            assertEquals(3, files.filter(Files::isRegularFile).count(), "nothing added");
        }

        // once those files are gone (hidden ones may stay), the same location is written
        Files.delete(out.resolve("README.md"));
        Files.delete(out.resolve("wiki/shard-00000.jsonl"));
        CliRun emptied = local();
        assertEquals(ExitCodes.DONE, emptied.exit(), emptied.err());
    }

    /**
     * A campaign's own location is never taken for someone's: a finished one runs again (nothing to do), and a
     * first run stopped anywhere resumes: after its plan only, and with a shard's files in place and no receipt
     * (killed between the assembly and the receipt).
     */
    @Test
    void aCampaignsOwnOutputResumesHoweverItsFirstRunEnded() throws IOException {
        Files.createDirectories(out);
        CliRun empty = local();
        assertEquals(ExitCodes.DONE, empty.exit(), empty.err());
        CliRun again = local();
        assertEquals(ExitCodes.DONE, again.exit(), again.err());

        // killed between a shard's assembly and its receipt: the shard files are there, the receipts not
        try (Stream<Path> receipts = Files.list(out.resolve("_palimpsest/receipts"))) {
            for (Path receipt : receipts.toList()) {
                Files.delete(receipt);
            }
        }
        try (Stream<Path> files = Files.walk(out)) {
            assertTrue(
                    files.anyMatch(f -> f.getFileName().toString().startsWith("shard-")
                            && !f.toString().contains("_palimpsest")),
                    "shard files outside _palimpsest/");
        }
        CliRun resumed = local();
        assertEquals(ExitCodes.DONE, resumed.exit(), resumed.err());
        try (Stream<Path> receipts = Files.list(out.resolve("_palimpsest/receipts"))) {
            assertEquals(2, receipts.count(), resumed.err());
        }

        // killed once planned, before any shard ran
        edit(
                "uri: file://quickstart-out/",
                "uri: " + tmp.resolve("planned").toAbsolutePath().toUri());
        assertEquals(
                ExitCodes.DONE,
                CliRun.of("plan", "-f", manifests.toString(), "--termination-log", "")
                        .exit());
        out = tmp.resolve("planned");
        CliRun afterPlan = local();
        assertEquals(ExitCodes.DONE, afterPlan.exit(), afterPlan.err());
    }

    @Test
    void anotherOutputsBookkeepingIsNeverInput() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        // a commit in flux there: a checkpoint's part and marker, beside the receipts and rejects of the run
        Path checkpoint = out.resolve("_palimpsest/checkpoints/shard-00000");
        Files.createDirectories(checkpoint);
        Files.writeString(checkpoint.resolve("part-000000.w1.wiki.jsonl.zst"), "{\"id\":\"p\",\"text\":\"p\"}\n");
        Files.writeString(checkpoint.resolve("part-000000.json"), "{}");
        try (Stream<Path> internal = Files.walk(out.resolve("_palimpsest"))) {
            assertTrue(internal.filter(Files::isRegularFile).count() > 3);
        }

        // the output as input: its committed files (zstd), not its _palimpsest/ ones of the same names
        edit("uri: file://data/", "uri: " + out.toAbsolutePath().toUri());
        edit("include: [\"*.jsonl\"]", "include: [\"*.jsonl.zst\"]");
        Path second = tmp.resolve("second");
        CliRun plan = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", second.toString());
        assertEquals(ExitCodes.DONE, plan.exit(), plan.err());
        String manifest = Files.readString(second.resolve("_palimpsest/manifest.jsonl"));
        assertFalse(manifest.contains("_palimpsest"), manifest);
        assertTrue(manifest.contains("shard-00000"), manifest);
    }

    @Test
    void anotherCampaignsOutputIsInputOnlyWhole() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        // that campaign still running: one of its two shards committed
        Path receipt = out.resolve("_palimpsest/receipts/shard-00001.json");
        byte[] kept = Files.readAllBytes(receipt);
        Files.delete(receipt);

        edit("include: [\"*.jsonl\"]", "include: [\"*.jsonl.zst\"]");
        edit("uri: file://data/", "uri: " + out.toAbsolutePath().toUri());
        Path second = tmp.resolve("second");
        CliRun same = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", second.toString());
        assertEquals(ExitCodes.INVALID_JOB, same.exit(), same.err());
        assertTrue(
                same.err()
                        .contains("holds the output " + out.toAbsolutePath().toUri()
                                + " of a campaign that is not whole: 1 of 2 shards committed"),
                same.err());
        assertTrue(same.err().contains("or copy what it committed"), same.err());
        assertNoJavaNames(same.err());
        assertFalse(Files.exists(second.resolve("_palimpsest/manifest.jsonl")), "nothing planned");

        // a folder inside it: the plan above is found
        edit(
                "uri: " + out.toAbsolutePath().toUri(),
                "uri: " + out.resolve("wiki").toAbsolutePath().toUri());
        CliRun inside = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", second.toString());
        assertEquals(ExitCodes.INVALID_JOB, inside.exit(), inside.err());
        assertTrue(inside.err().contains("1 of 2 shards committed"), inside.err());
        assertFalse(Files.exists(second.resolve("_palimpsest/manifest.jsonl")), "nothing planned");

        // once every shard is committed it is read
        Files.write(receipt, kept);
        CliRun whole = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", second.toString());
        assertEquals(ExitCodes.DONE, whole.exit(), whole.err());
    }

    /**
     * A receipt that names another plan than the campaign's plan in force (left by a run of the plan the output held
     * before it was emptied and planned again) is not one of its shards committed: with it counted, the campaign
     * looks whole while a shard of its plan is not, and the job reading it would take a fraction as all of it.
     */
    @Test
    void aReceiptOfAnotherPlanDoesNotMakeACampaignWhole() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        Path receipt = out.resolve("_palimpsest/receipts/shard-00001.json");
        byte[] kept = Files.readAllBytes(receipt);
        ObjectMapper json = new ObjectMapper();
        ObjectNode stale = (ObjectNode) json.readTree(kept);
        assertTrue(stale.path("planSha256").isTextual(), stale.toString());
        stale.put("planSha256", "f".repeat(64));
        Files.write(receipt, json.writeValueAsBytes(stale));

        edit("include: [\"*.jsonl\"]", "include: [\"*.jsonl.zst\"]");
        edit("uri: file://data/", "uri: " + out.toAbsolutePath().toUri());
        Path second = tmp.resolve("second");
        CliRun refused = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", second.toString());
        assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
        assertTrue(
                refused.err()
                        .contains("holds the output " + out.toAbsolutePath().toUri()
                                + " of a campaign that is not whole: 1 of 2 shards committed (1 more receipt there"
                                + " names another plan than the one in force"),
                refused.err());
        assertNoJavaNames(refused.err());
        assertFalse(Files.exists(second.resolve("_palimpsest/manifest.jsonl")), "nothing planned");

        // a folder inside it: the plan above is found, and its receipts read likewise
        edit(
                "uri: " + out.toAbsolutePath().toUri(),
                "uri: " + out.resolve("wiki").toAbsolutePath().toUri());
        CliRun inside = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", second.toString());
        assertEquals(ExitCodes.INVALID_JOB, inside.exit(), inside.err());
        assertTrue(inside.err().contains("1 of 2 shards committed (1 more receipt"), inside.err());
        assertFalse(Files.exists(second.resolve("_palimpsest/manifest.jsonl")), "nothing planned");

        // the plan's own receipt: whole, and read
        Files.write(receipt, kept);
        CliRun whole = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", second.toString());
        assertEquals(ExitCodes.DONE, whole.exit(), whole.err());
    }

    @Test
    void anEndedCampaignsCommittedShardsAreReadOnlyWhenAccepted() throws IOException {
        edit("compression: zstd", "compression: none");
        Path claims = tmp.resolve("claims");
        Path stage1 = claims.resolve("corpus/stage-1");
        CliRun first = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", stage1.toString());
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        // Shard 1 failed for good in that campaign (within its maxFailedShards): no receipt, nothing committed.
        Files.delete(stage1.resolve("_palimpsest/receipts/shard-00001.json"));
        List<Path> committed;
        try (Stream<Path> files = Files.walk(stage1)) {
            committed = files.filter(Files::isRegularFile)
                    .filter(f -> !stage1.relativize(f).startsWith("_palimpsest"))
                    .toList();
        }
        List<Path> failed = committed.stream()
                .filter(f -> f.getFileName().toString().contains("shard-00001"))
                .toList();
        assertFalse(failed.isEmpty(), committed.toString());
        for (Path f : failed) {
            Files.delete(f);
        }
        long kept = 0;
        for (Path f : committed) {
            if (!failed.contains(f)) {
                kept += Files.readAllLines(f).stream().filter(l -> !l.isBlank()).count();
            }
        }
        assertTrue(kept > 0, committed.toString());

        edit("uri: file://data/", "uri: " + stage1.toAbsolutePath().toUri());
        Path second = tmp.resolve("second");
        CliRun refused = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", second.toString());
        assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
        assertTrue(refused.err().contains("1 of 2 shards committed"), refused.err());
        assertTrue(refused.err().contains("--accept-incomplete-input"), refused.err());
        assertFalse(Files.exists(second.resolve("_palimpsest/manifest.jsonl")), "nothing planned");

        // The user knows that campaign has ended: its committed shards are read as they are, and only those.
        CliRun accepted = CliRun.of(
                "local",
                "-f",
                manifests.toString(),
                "--simulate",
                "--out",
                second.toString(),
                "--accept-incomplete-input");
        assertEquals(ExitCodes.DONE, accepted.exit(), accepted.err());
        assertTrue(
                accepted.err()
                        .contains("warning: spec.input.uri "
                                + stage1.toAbsolutePath().toUri() + " holds the output "
                                + stage1.toAbsolutePath().toUri() + " of a campaign that is not whole: 1 of 2 shards"
                                + " committed; --accept-incomplete-input takes it as it is"),
                accepted.err());
        assertTrue(accepted.out().contains("documents  read " + kept + ","), accepted.out());

        // In a pod: the operator names the outputs of the upstream jobs that have Succeeded; others stay refused.
        edit("uri: " + stage1.toAbsolutePath().toUri(), "uri: pvc://corpus/stage-1/");
        edit("uri: file://quickstart-out/", "uri: pvc://corpus/stage-2/");
        CliRun other = CliRun.of(
                "plan",
                "-f",
                manifests.toString(),
                "--pvc-root",
                claims.toString(),
                "--termination-log",
                "",
                "--finished-input",
                "pvc://corpus/elsewhere/");
        assertEquals(ExitCodes.INVALID_JOB, other.exit(), other.err());
        assertTrue(other.err().contains("1 of 2 shards committed"), other.err());
        assertFalse(Files.exists(claims.resolve("corpus/stage-2/_palimpsest/manifest.jsonl")), "nothing planned");
        CliRun finished = CliRun.of(
                "plan",
                "-f",
                manifests.toString(),
                "--pvc-root",
                claims.toString(),
                "--termination-log",
                "",
                "--finished-input",
                "pvc://corpus/elsewhere/",
                "--finished-input",
                "pvc://corpus/stage-1");
        assertEquals(ExitCodes.DONE, finished.exit(), finished.err());
        assertTrue(
                finished.err()
                        .contains("warning: spec.input.uri pvc://corpus/stage-1/ holds the output "
                                + stage1.toAbsolutePath().toUri() + " of a campaign that is not whole: 1 of 2 shards"
                                + " committed; --finished-input names it as ended, so the other 1 shard failed in"
                                + " that campaign"),
                finished.err());
        String plan = Files.readString(claims.resolve("corpus/stage-2/_palimpsest/manifest.jsonl"));
        assertTrue(plan.contains("shard-00000") && !plan.contains("shard-00001"), "the committed shard's files only");
    }

    /**
     * A shard's last attempt that stopped after assembling its output files and before creating its receipt leaves
     * them in the variants' folders, its shard not committed. A job that reads that campaign as it is leaves them out,
     * saying so, at the output, inside it, and as its one file; the files a receipt lists are all read.
     */
    @Test
    void assembledFilesNoReceiptListsAreLeftOutOfACampaignReadAsItIs() throws IOException {
        edit("compression: zstd", "compression: none");
        Path stage1 = tmp.resolve("stage-1");
        CliRun first = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", stage1.toString());
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        Path receipt = stage1.resolve("_palimpsest/receipts/shard-00001.json");
        byte[] kept = Files.readAllBytes(receipt);
        // shard 1's attempt stopped between its assembly and its receipt: its files are there, no receipt
        Files.delete(receipt);
        long committed = records(stage1.resolve("wiki/shard-00000.jsonl"));
        long committedQa = records(stage1.resolve("qa/shard-00000.jsonl"));
        long assembled = records(stage1.resolve("wiki/shard-00001.jsonl"));
        long assembledQa = records(stage1.resolve("qa/shard-00001.jsonl"));
        assertTrue(committed > 0 && assembled > 0, committed + " " + assembled);
        String output = stage1.toAbsolutePath().toUri().toString();

        edit("uri: file://data/", "uri: " + output);
        CliRun whole = CliRun.of(
                "local",
                "-f",
                manifests.toString(),
                "--simulate",
                "--out",
                tmp.resolve("second").toString(),
                "--accept-incomplete-input");
        assertEquals(ExitCodes.DONE, whole.exit(), whole.err());
        assertTrue(
                whole.err()
                        .contains("note: 2 files of the output " + output + " left out of this job's input, as no"
                                + " receipt of its plan in force lists them (qa/shard-00001.jsonl,"
                                + " wiki/shard-00001.jsonl): not committed there (a shard's last attempt stopped after"
                                + " assembling them, before its receipt)"),
                whole.err());
        assertTrue(whole.out().contains("documents  read " + (committed + committedQa) + ","), whole.out());
        String plan = Files.readString(tmp.resolve("second/_palimpsest/manifest.jsonl"));
        assertFalse(plan.contains("shard-00001"), plan);

        // the variant's folder inside it: the campaign above is found and its receipts read likewise
        edit("uri: " + output, "uri: " + stage1.resolve("wiki").toAbsolutePath().toUri());
        CliRun inside = CliRun.of(
                "local",
                "-f",
                manifests.toString(),
                "--simulate",
                "--out",
                tmp.resolve("third").toString(),
                "--accept-incomplete-input");
        assertEquals(ExitCodes.DONE, inside.exit(), inside.err());
        assertTrue(
                inside.err()
                        .contains(
                                "note: 1 file of the output " + output + " left out of this job's input, as"
                                        + " no receipt of its plan in force lists it (wiki/shard-00001.jsonl): not committed there"),
                inside.err());
        assertTrue(inside.out().contains("documents  read " + committed + ","), inside.out());

        // that one file as the input: refused, naming it
        edit(
                "uri: " + stage1.resolve("wiki").toAbsolutePath().toUri(),
                "uri: "
                        + stage1.resolve("wiki/shard-00001.jsonl")
                                .toAbsolutePath()
                                .toUri());
        Path fourth = tmp.resolve("fourth");
        CliRun one = CliRun.of(
                "local",
                "-f",
                manifests.toString(),
                "--simulate",
                "--out",
                fourth.toString(),
                "--accept-incomplete-input");
        assertEquals(ExitCodes.INVALID_JOB, one.exit(), one.err());
        assertTrue(
                one.err().contains("is an output file that no receipt of its campaign's plan in force lists"),
                one.err());
        assertNoJavaNames(one.err());
        assertFalse(Files.exists(fourth.resolve("_palimpsest/manifest.jsonl")), "nothing planned");

        // with its receipt the campaign is whole, and every file it commits is read, with no note
        Files.write(receipt, kept);
        edit("uri: " + stage1.resolve("wiki/shard-00001.jsonl").toAbsolutePath().toUri(), "uri: " + output);
        CliRun all = CliRun.of(
                "local",
                "-f",
                manifests.toString(),
                "--simulate",
                "--out",
                tmp.resolve("fifth").toString());
        assertEquals(ExitCodes.DONE, all.exit(), all.err());
        assertFalse(all.err().contains("left out"), all.err());
        assertTrue(
                all.out().contains("documents  read " + (committed + committedQa + assembled + assembledQa) + ","),
                all.out());
    }

    /**
     * The operator names the campaign of an upstream that has Succeeded with what its status records (shards
     * planned, shards committed, recipe hash), in the planner's environment: that campaign is read as it is, and
     * only while its output still holds it. A rerun written into the output since (another recipe, or the output
     * emptied and started again, left part-way) is another campaign: refused, naming both.
     */
    @Test
    void aSucceededJobsCampaignIsReadAsItIsOnlyWhileItsOutputStillHoldsIt() throws IOException {
        edit("compression: zstd", "compression: none");
        Path claims = tmp.resolve("claims");
        Path stage1 = claims.resolve("corpus/stage-1");
        CliRun first = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", stage1.toString());
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        // Shard 1 failed for good in that campaign: no receipt, nothing committed.
        Path receipt0 = stage1.resolve("_palimpsest/receipts/shard-00000.json");
        Files.delete(stage1.resolve("_palimpsest/receipts/shard-00001.json"));
        Path marker = stage1.resolve("_palimpsest/recipe.json");
        String recipeHash = new ObjectMapper()
                .readTree(Files.readString(marker))
                .get("recipeHash")
                .asText();
        edit("uri: file://data/", "uri: pvc://corpus/stage-1/");
        edit("uri: file://quickstart-out/", "uri: pvc://corpus/stage-2/");
        String told = FinishedInputs.encode(
                List.of(new FinishedInputs.Campaign("pvc://corpus/stage-1/", "team-a/stage-1", 2L, 1L, recipeHash)));
        Path plan2 = claims.resolve("corpus/stage-2/_palimpsest/manifest.jsonl");

        // A rerun with another recipe into that output (--accept-recipe-change), stopped part-way.
        String kept = Files.readString(marker);
        Files.writeString(marker, kept.replace(recipeHash, "0".repeat(64)));
        CliRun otherRecipe = planInPod(claims, told);
        assertEquals(ExitCodes.INVALID_JOB, otherRecipe.exit(), otherRecipe.err());
        assertTrue(
                otherRecipe
                        .err()
                        .contains("holds the output " + stage1.toAbsolutePath().toUri() + " of a campaign that is not"
                                + " whole: 1 of 2 shards committed, recipe " + "0".repeat(64) + "; it is not the"
                                + " campaign RewriteJob team-a/stage-1 Succeeded with there (2 shards, 1 committed,"
                                + " recipe " + recipeHash + "): that output was written again since"),
                otherRecipe.err());
        assertNoJavaNames(otherRecipe.err());
        assertFalse(Files.exists(plan2), "nothing planned");
        Files.writeString(marker, kept);

        // The output emptied and the same job started again, deleted before it committed as much as the one that
        // Succeeded.
        byte[] receipt = Files.readAllBytes(receipt0);
        Files.delete(receipt0);
        CliRun fewer = planInPod(claims, told);
        assertEquals(ExitCodes.INVALID_JOB, fewer.exit(), fewer.err());
        assertTrue(fewer.err().contains("0 of 2 shards committed, recipe " + recipeHash), fewer.err());
        assertTrue(fewer.err().contains("it is not the campaign RewriteJob team-a/stage-1"), fewer.err());
        assertFalse(Files.exists(plan2), "nothing planned");
        Files.write(receipt0, receipt);

        // Another plan there (another input, three shards).
        String threeShards = FinishedInputs.encode(
                List.of(new FinishedInputs.Campaign("pvc://corpus/stage-1/", "team-a/stage-1", 3L, 1L, recipeHash)));
        CliRun otherPlan = planInPod(claims, threeShards);
        assertEquals(ExitCodes.INVALID_JOB, otherPlan.exit(), otherPlan.err());
        assertTrue(otherPlan.err().contains("(3 shards, 1 committed"), otherPlan.err());
        assertFalse(Files.exists(plan2), "nothing planned");

        // The campaign that Succeeded, as it left it: read as it is.
        CliRun same = planInPod(claims, told);
        assertEquals(ExitCodes.DONE, same.exit(), same.err());
        assertTrue(
                same.err()
                        .contains("1 of 2 shards committed; the job that wrote it (RewriteJob team-a/stage-1) has"
                                + " Succeeded, so the other 1 shard failed in that job"),
                same.err());
        assertTrue(Files.exists(plan2), "planned");
    }

    /**
     * A campaign that Succeeded with 1 of 2 shards committed is not the one its output holds when what is there is a
     * receipt of another plan: counted by its key, it passed as the committed shard of that job.
     */
    @Test
    void aSucceededJobsCampaignIsNotHeldByAReceiptOfAnotherPlan() throws IOException {
        edit("compression: zstd", "compression: none");
        Path claims = tmp.resolve("claims");
        Path stage1 = claims.resolve("corpus/stage-1");
        CliRun first = CliRun.of("local", "-f", manifests.toString(), "--simulate", "--out", stage1.toString());
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        Files.delete(stage1.resolve("_palimpsest/receipts/shard-00001.json"));
        Path receipt0 = stage1.resolve("_palimpsest/receipts/shard-00000.json");
        byte[] kept = Files.readAllBytes(receipt0);
        ObjectMapper json = new ObjectMapper();
        String recipeHash = json.readTree(Files.readString(stage1.resolve("_palimpsest/recipe.json")))
                .get("recipeHash")
                .asText();
        ObjectNode stale = (ObjectNode) json.readTree(kept);
        stale.put("planSha256", "f".repeat(64));
        Files.write(receipt0, json.writeValueAsBytes(stale));
        edit("uri: file://data/", "uri: pvc://corpus/stage-1/");
        edit("uri: file://quickstart-out/", "uri: pvc://corpus/stage-2/");
        String told = FinishedInputs.encode(
                List.of(new FinishedInputs.Campaign("pvc://corpus/stage-1/", "team-a/stage-1", 2L, 1L, recipeHash)));
        Path plan2 = claims.resolve("corpus/stage-2/_palimpsest/manifest.jsonl");

        CliRun refused = planInPod(claims, told);
        assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
        assertTrue(
                refused.err()
                        .contains("of a campaign that is not whole: 0 of 2 shards committed (1 more receipt there"
                                + " names another plan than the one in force"),
                refused.err());
        assertTrue(refused.err().contains("it is not the campaign RewriteJob team-a/stage-1"), refused.err());
        assertFalse(Files.exists(plan2), "nothing planned");

        // the receipt of the plan in force: that job's campaign, read as it is
        Files.write(receipt0, kept);
        CliRun same = planInPod(claims, told);
        assertEquals(ExitCodes.DONE, same.exit(), same.err());
        assertTrue(Files.exists(plan2), "planned");
    }

    @Test
    void aMalformedListOfFinishedCampaignsFailsThePlanNamingTheVariable() throws IOException {
        Path claims = Files.createDirectories(tmp.resolve("claims"));
        CliRun run = planInPod(claims, "{\"output\":\"pvc://corpus/stage-1/\"}");
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(run.err().contains(FinishedInputs.ENV + " is not a JSON array of finished campaigns"), run.err());
    }

    /** {@code plan} as the planner pod runs it, told {@code finished} in its environment. */
    private CliRun planInPod(Path claims, String finished) {
        return CliRun.capture(() -> {
            ObjectMapper json = new ObjectMapper();
            WorkerEnvironment environment =
                    new WorkerEnvironment(Map.of(FinishedInputs.ENV, finished)).withPvcRoot(claims);
            try {
                var loaded = new JobManifests().load(manifests);
                try (JobRuntime runtime = new JobRuntime(loaded.job(), environment, json)) {
                    PlanCommand.plan(runtime, json, false, null, PlanCommand.accepting(runtime, false, List.of()));
                    return ExitCodes.DONE;
                }
            } catch (Exception e) {
                System.err.println(e.getMessage());
                return PalimpsestCli.exitCodeOf(e);
            }
        });
    }

    @Test
    void inputThatMatchesNoFileStops() throws IOException {
        edit("include: [\"*.jsonl\"]", "include: [\"*.parquet\"]");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("no file under "
                                + manifests.toAbsolutePath().resolve("data").toUri()),
                run.err());
        assertTrue(
                run.err().contains("include [*.parquet]") && run.err().contains("2 file(s) there, e.g. part-000.jsonl"),
                run.err());
        // the globs are what took nothing: the refusal stands at their line, as lint --input names it
        assertTrue(
                run.err()
                        .contains(manifests.resolve("job.yaml") + ":" + lineOf("include: [\"*.parquet\"]")
                                + ": spec.input.include: no file under "),
                run.err());
        assertNothingWritten();
    }

    @Test
    void aFileTheGlobsTakeThatHoldsNoRecordIsRefusedAtTheGlobsLine() throws IOException {
        // notes beside the data, taken by globs that take every file: the file is named, and so are the globs
        Files.writeString(manifests.resolve("data/notes.txt"), "some notes on this corpus\n");
        edit("include: [\"*.jsonl\"]", "include: []");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains(manifests.resolve("job.yaml") + ":" + lineOf("include: []")
                                + ": spec.input.include: none of the 1 lines of "
                                + manifests
                                        .toAbsolutePath()
                                        .resolve("data/notes.txt")
                                        .toUri()
                                + " could be read as a document: 1 malformed_json"),
                run.err());
        assertNothingWritten();
    }

    @Test
    void aMissingInputPathStops() throws IOException {
        edit("uri: file://data/", "uri: file://no-such-folder/");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err().contains("spec.input.uri ") && run.err().contains("no-such-folder does not exist"),
                run.err());
        // the field at its line in the manifest, as lint names it
        assertTrue(
                run.err()
                        .contains(manifests.resolve("job.yaml") + ":" + lineOf("uri: file://no-such-folder/")
                                + ": spec.input.uri "),
                run.err());
        assertNothingWritten();
    }

    @Test
    void anEmptyInputFolderStops() throws IOException {
        Files.createDirectories(manifests.resolve("empty"));
        edit("uri: file://data/", "uri: file://empty/");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err().contains("spec.input.uri ") && run.err().contains("empty/ does not exist or holds no files"),
                run.err());
        assertNothingWritten();
    }

    @Test
    void aTextFieldTheRecordsDoNotHaveStopsThePlan() throws IOException {
        edit("textField: text", "textField: body");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("spec.input.textField 'body' is in none of the 7 records of "
                                + manifests
                                        .toAbsolutePath()
                                        .resolve("data/part-000.jsonl")
                                        .toUri()
                                + " (their fields: id, text, source)"),
                run.err());
        assertNoJavaNames(run.err());
        assertNothingWritten();
    }

    /**
     * A misspelt textField is refused with the field the records have, in the same words by plan, local and preview,
     * though the first file is empty: the sample goes on to the next file, where the duplicate-id pass would
     * otherwise refuse it in other words, without the line. local and preview put the field's line before it; plan,
     * whose words are a cluster's PlanningFailed message, does not.
     */
    @Test
    void aMisspeltTextFieldIsRefusedAtItsLineWithTheFieldMeantWhenTheFirstFileIsEmpty() throws IOException {
        Files.writeString(manifests.resolve("data/part-000.jsonl"), "");
        edit("textField: text", "textField: txt");
        String refusal = "spec.input.textField 'txt' is in none of the 6 records of "
                + manifests.toAbsolutePath().resolve("data/part-001.jsonl").toUri()
                + " (their fields: id, text, source; did you mean textField 'text'?)";
        String atItsLine = manifests.resolve("job.yaml") + ":" + lineOf("textField: txt") + ": " + refusal;

        CliRun local = local();
        CliRun plan = CliRun.of("plan", "-f", manifests.toString(), "--out", out.toString(), "--termination-log", "");
        CliRun preview = CliRun.of(
                "preview",
                "-f",
                manifests.toString(),
                "--simulate",
                "--out",
                tmp.resolve("report").toString());

        for (CliRun run : List.of(local, plan, preview)) {
            assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
            assertTrue(run.err().contains(refusal), run.err());
            assertNoJavaNames(run.err());
        }
        assertTrue(local.err().contains("palimpsest local: " + atItsLine), local.err());
        assertTrue(preview.err().contains("palimpsest preview: " + atItsLine), preview.err());
        assertTrue(plan.err().contains("palimpsest plan: " + atItsLine), plan.err());
        assertNothingWritten();
    }

    @Test
    void aLaterFileInAnotherFormatThanItsNameRefusesThePlanInsteadOfCommittingItsLinesAsRejects() throws IOException {
        // the second .jsonl, which the planner does not sample: its duplicate-id pass reads it and finds no document
        Path second = manifests.resolve("data/part-001.jsonl");
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (var gzip = new java.util.zip.GZIPOutputStream(gzipped)) {
            gzip.write(Files.readAllBytes(second));
        }
        Files.write(second, gzipped.toByteArray());
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err().contains("1 input file(s) hold records and no document: none of the ")
                        && run.err()
                                .contains(" lines of "
                                        + manifests
                                                .toAbsolutePath()
                                                .resolve("data/part-001.jsonl")
                                                .toUri()
                                        + " could be read as a document: "),
                run.err());
        assertTrue(run.err().contains("its bytes start like gzip data"), run.err());
        assertNoJavaNames(run.err());
        assertFalse(Files.exists(out.resolve("_palimpsest/receipts")), "no shard ran: " + run.err());
        assertFalse(Files.exists(out.resolve(DuplicateIdIndex.INDEX_KEY)), "no index: " + run.err());
    }

    @Test
    void lintListsARecipesTemplateProblemBesideTheSchemasProblems() throws IOException {
        // one run of lint, every problem: a fix of the bounds must not be the first to reveal the template's
        edit("max: 3", "max: 0.1");
        edit(
                "all of its facts. Use lines starting with \"Question:\" and \"Answer:\".\n          <document>{{ text }}</document>",
                "all of its facts. Use lines starting with \"Question:\" and \"Answer:\".\n          <document>{{ txt }}</document>");
        CliRun lint = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.INVALID_JOB, lint.exit(), lint.err());
        String job = manifests.resolve("job.yaml").toString();
        assertTrue(
                lint.err()
                        .contains(job + ":" + lineOf("type: lengthRatio")
                                + ": spec.recipe.validators[3]: min must not exceed max"),
                lint.err());
        assertTrue(
                lint.err()
                        .contains(job + ":38: spec.recipe.prompts[1].user: variant qa, line 3: unknown variable 'txt'"),
                lint.err());
        assertTrue(lint.err().contains("2 problem(s)"), lint.err());
    }

    @Test
    void anUnknownTemplateVariableStopsBeforeAnyModelCall() throws IOException {
        edit(
                "all of its facts. Use lines starting with \"Question:\" and \"Answer:\".\n          <document>{{ text }}</document>",
                "all of its facts. Use lines starting with \"Question:\" and \"Answer:\".\n          <document>{{ txt }}</document>");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains(manifests.resolve("job.yaml")
                                + ":38: spec.recipe.prompts[1].user: variant qa, line 3:" + " unknown variable 'txt'"),
                run.err());
        assertNoJavaNames(run.err());
        assertFalse(run.err().contains("completion tokens"), "no shard ran: " + run.err());
        assertNothingWritten();
    }

    @Test
    void aFilterNoDocumentCanBeEvaluatedOnIsRefusedAtItsLineInTheManifest() throws IOException {
        edit(
                "  recipe:\n    prompts:\n",
                "  recipe:\n    preFilters:\n      - type: minLength\n        words: 1\n"
                        + "      - type: metadata\n        when: meta.sourc == 'web'\n    prompts:\n");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("palimpsest local: " + manifests.resolve("job.yaml") + ":"
                                + lineOf("when: meta.sourc")
                                + ": spec.recipe.preFilters[1].when: cannot be evaluated on"
                                + " any of the "),
                run.err());
        assertNoJavaNames(run.err());
        assertNothingWritten();
    }

    @Test
    void previewRefusesAFilterNoDocumentCanBeEvaluatedOnAtItsLineInTheManifest() throws IOException {
        edit(
                "  recipe:\n    prompts:\n",
                "  recipe:\n    preFilters:\n      - type: metadata\n        when: meta.sourc == 'web'\n    prompts:\n");
        CliRun run = CliRun.of(
                "preview",
                "-f",
                manifests.toString(),
                "--simulate",
                "--sample",
                "5",
                "--tokens-per-second-per-replica",
                "2000",
                "--out",
                tmp.resolve("report").toString());
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("palimpsest preview: " + manifests.resolve("job.yaml") + ":"
                                + lineOf("when: meta.sourc")
                                + ": spec.recipe.preFilters[0].when: cannot be evaluated on"
                                + " any of the "),
                run.err());
        assertNoJavaNames(run.err());
    }

    @Test
    void aTemplateFieldNoDocumentHasIsRefusedAtItsLineInTheManifest() throws IOException {
        edit(
                "<document>{{ text }}</document>\n        sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2}",
                "<document>{{ meta.sourc }}: {{ text }}</document>\n"
                        + "        sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2}");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        // the template's third line, as lint places a template's line
        assertTrue(
                run.err()
                        .contains("palimpsest local: " + manifests.resolve("job.yaml") + ":"
                                + lineOf("{{ meta.sourc }}") + ": spec.recipe.prompts[1].user: variant qa, line 3:"
                                + " meta.sourc is in none of the first "),
                run.err());
        assertTrue(run.err().contains("did you mean meta.source?"), run.err());
        assertNoJavaNames(run.err());
        assertNothingWritten();
    }

    /**
     * A misspelt variable tested in a tag: Jinjava gives it no value, the test is false for every document, and
     * lint and local let the job run without the sentence the template meant to add.
     */
    @Test
    void aMisspeltVariableTestedInATagIsRefusedByLintAndLocalAtItsLine() throws IOException {
        edit(
                "<document>{{ text }}</document>\n        sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2}",
                "<document>{% if idd != 'x' %}{{ id }}: {% endif %}{{ text }}</document>\n"
                        + "        sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2}");
        CliRun lint = CliRun.of("lint", "-f", manifests.toString());
        assertEquals(ExitCodes.INVALID_JOB, lint.exit(), lint.err());
        String expected = manifests.resolve("job.yaml") + ":" + lineOf("{% if idd")
                + ": spec.recipe.prompts[1].user: variant qa, line 3: unknown variable 'idd' (did you mean \"id\"?)";
        assertTrue(lint.out().contains(expected) || lint.err().contains(expected), lint.out() + lint.err());
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(run.err().contains(expected), run.err());
        assertNothingWritten();
    }

    /**
     * A misspelt field given to a filter as its argument: the expression still has a value (the text, nothing
     * replaced), so Jinjava's strict rendering let it through and every record was committed as rendered without it.
     */
    @Test
    void aTemplateFieldNoDocumentHasReadAsAFiltersArgumentIsRefusedAtItsLine() throws IOException {
        edit(
                "<document>{{ text }}</document>\n        sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2}",
                "<document>{{ text | replace(meta.sourc, '') }}</document>\n"
                        + "        sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2}");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("palimpsest local: " + manifests.resolve("job.yaml") + ":"
                                + lineOf("replace(meta.sourc") + ": spec.recipe.prompts[1].user: variant qa, line 3:"
                                + " meta.sourc is in none of the first "),
                run.err());
        assertTrue(run.err().contains("did you mean meta.source?"), run.err());
        assertNoJavaNames(run.err());
        assertNothingWritten();
    }

    /**
     * The first file's first 1,500 lines are no document: the planner finds its documents further on and renders the
     * template on them all the same, so the misspelt field is named, not left to reject every document.
     */
    @Test
    void aTemplateFieldNoDocumentHasIsRefusedWhenTheFirstFileStartsWithLinesThatAreNoDocument() throws IOException {
        Path first = manifests.resolve("data/part-000.jsonl");
        Files.writeString(first, "not JSON\n".repeat(1_500) + Files.readString(first));
        edit(
                "<document>{{ text }}</document>\n        sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2}",
                "<document>{{ meta.sourc }}: {{ text }}</document>\n"
                        + "        sampling: {temperature: 0.7, topP: 0.9, maxTokens: 1024, seed: 2}");

        CliRun run = local();

        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(run.err().contains("meta.sourc is in none of the first "), run.err());
        assertTrue(run.err().contains("did you mean meta.source?"), run.err());
        assertNothingWritten();
    }

    @Test
    void aChangedRecipeIsRefusedUnlessAccepted() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        byte[] receipt = Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"));
        String marker = Files.readString(out.resolve("_palimpsest/recipe.json"));

        edit("seed: 2}", "seed: 3}");
        CliRun drift = local();
        assertEquals(ExitCodes.INVALID_JOB, drift.exit(), drift.err());
        assertTrue(
                drift.err()
                        .matches(
                                "(?s).*recipe drift: .* was made with recipe sha256:[0-9a-f]{64}, this job's recipe is sha256:[0-9a-f]{64}.*"),
                drift.err());
        assertTrue(drift.err().contains("--accept-recipe-change"), drift.err());
        assertTrue(
                drift.err()
                        .contains("pass --accept-recipe-change to add shards made this way beside the 2 committed"
                                + " one(s), which stay as they are"),
                drift.err());
        assertTrue(
                Arrays.equals(receipt, Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"))),
                "receipt untouched");
        assertEquals(marker, Files.readString(out.resolve("_palimpsest/recipe.json")));

        CliRun accepted = local("--accept-recipe-change");
        assertEquals(ExitCodes.DONE, accepted.exit(), accepted.err());
        assertFalse(
                marker.equals(Files.readString(out.resolve("_palimpsest/recipe.json"))),
                "the accepted recipe is recorded");
        CliRun again = local();
        assertEquals(
                ExitCodes.DONE, again.exit(), "once accepted, the same recipe runs without the flag: " + again.err());
    }

    /**
     * A recipe changed before any shard was committed (a plan, or a run stopped before its first commit): the
     * refusal says nothing is committed and what accepting does to the checkpoint parts, rather than offering to
     * add shards "beside the committed ones".
     */
    @Test
    void aChangedRecipeBeforeAnyCommitSaysNothingIsCommitted() throws IOException {
        CliRun plan = CliRun.of("plan", "-f", manifests.toString(), "--out", out.toString());
        assertEquals(ExitCodes.DONE, plan.exit(), plan.err());
        assertTrue(Files.exists(out.resolve("_palimpsest/recipe.json")), "the plan records the recipe");

        edit("seed: 2}", "seed: 3}");
        CliRun drift = local();
        assertEquals(ExitCodes.INVALID_JOB, drift.exit(), drift.err());
        assertTrue(drift.err().contains("recipe drift: "), drift.err());
        assertTrue(
                drift.err()
                        .contains("pass --accept-recipe-change to run it there: no shard is committed yet, and"
                                + " checkpoint parts made the other way are discarded, not resumed"),
                drift.err());
        assertFalse(drift.err().contains("beside the"), drift.err());
    }

    /**
     * A data engineer who edited one prompt is told which fields of the recipe changed, at the line of the first in
     * the job's file, not only two hashes: the marker keeps the recipe. The planner in a pod says the same words
     * (without a line: it reads a resolved job), in its termination message.
     */
    @Test
    void aChangedRecipeIsRefusedAtTheLineOfTheFieldThatChanged() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());

        edit("Turn the document below", "Turn the text below");
        edit("maxTokens: 1024, seed: 2}", "maxTokens: 2048, seed: 2}");
        CliRun drift = local();
        assertEquals(ExitCodes.INVALID_JOB, drift.exit(), drift.err());
        String changed =
                "(changed: spec.recipe.prompts[1].sampling.maxTokens 1024 -> 2048; spec.recipe.prompts[1].user);"
                        + " write to a new output, or pass --accept-recipe-change";
        assertTrue(
                drift.err()
                        .matches("(?s).*"
                                + java.util.regex.Pattern.quote(manifests.resolve("job.yaml") + ":"
                                        + lineOf("maxTokens: 2048") + ": spec.recipe.prompts[1].sampling.maxTokens:"
                                        + " recipe drift: ")
                                + ".* was made with recipe sha256:[0-9a-f]{64}, this job's recipe is sha256:[0-9a-f]{64} "
                                + java.util.regex.Pattern.quote(changed) + ".*"),
                drift.err());

        Path termination = tmp.resolve("termination-log");
        CliRun planner = CliRun.of(
                "plan",
                "-f",
                manifests.toString(),
                "--out",
                out.toString(),
                "--termination-log",
                termination.toString());
        assertEquals(ExitCodes.INVALID_JOB, planner.exit(), planner.err());
        String message = Files.readString(termination);
        assertTrue(message.startsWith("recipe drift: ") && message.contains(changed), message);
    }

    /**
     * An output whose marker keeps only the recipe's hash (an earlier version's) is refused with the two hashes, at
     * the line of spec.recipe.
     */
    @Test
    void aChangedRecipeOfAnOutputWhoseMarkerKeepsOnlyTheHashIsRefusedAtTheRecipesLine() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        Path marker = out.resolve("_palimpsest/recipe.json");
        ObjectNode node = (ObjectNode) new ObjectMapper().readTree(Files.readString(marker));
        assertTrue(node.has("recipe"), node.toString());
        node.remove("recipe");
        Files.writeString(marker, node.toString());

        edit("seed: 2}", "seed: 3}");
        CliRun drift = local();
        assertEquals(ExitCodes.INVALID_JOB, drift.exit(), drift.err());
        assertTrue(
                drift.err()
                        .matches("(?s).*"
                                + java.util.regex.Pattern.quote(manifests.resolve("job.yaml") + ":"
                                        + lineOf("  recipe:") + ": spec.recipe: recipe drift: ")
                                + ".* this job's recipe is sha256:[0-9a-f]{64}; write to a new output.*"),
                drift.err());
    }

    /**
     * Another job (another name, another recipe) pointed at an output is told the output is that job's,
     * not offered --accept-recipe-change as for a changed recipe of the same job; a renamed job with
     * the same recipe runs on.
     */
    @Test
    void anotherJobsOutputIsNamedAsSuch() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        String marker = Files.readString(out.resolve("_palimpsest/recipe.json"));

        edit("name: quickstart\n", "name: other-campaign\n");
        CliRun renamed = local();
        assertEquals(ExitCodes.DONE, renamed.exit(), "the same recipe under another name: " + renamed.err());

        edit("seed: 2}", "seed: 3}");
        CliRun other = local();
        assertEquals(ExitCodes.INVALID_JOB, other.exit(), other.err());
        assertTrue(
                other.err()
                        .contains(" holds the output of job 'quickstart', and this is job 'other-campaign' with another"
                                + " recipe or model (recipe drift: "),
                other.err());
        assertTrue(
                other.err().contains("write this job's output elsewhere (spec.output.uri, or --out locally)"),
                other.err());
        assertEquals(marker, Files.readString(out.resolve("_palimpsest/recipe.json")), "nothing written");

        CliRun accepted = local("--accept-recipe-change");
        assertEquals(ExitCodes.DONE, accepted.exit(), accepted.err());
    }

    /**
     * A job of another namespace (another team, the same job name, the same output) is told the output
     * is that namespace's job's, even with the same recipe and model: resuming it would make one campaign
     * of two teams' jobs. Its workers refuse it likewise. Within a namespace a renamed job runs on; a job
     * without a namespace, or a marker without one (an earlier version's), compares none.
     */
    @Test
    void aJobOfAnotherNamespaceIsRefusedEvenWithTheSameRecipe() throws IOException {
        edit("  name: quickstart\n", "  name: quickstart\n  namespace: team-a\n");
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        Path markerFile = out.resolve("_palimpsest/recipe.json");
        String marker = Files.readString(markerFile);
        assertTrue(marker.contains("\"namespace\":\"team-a\",\"job\":\"quickstart\""), marker);
        byte[] receipt = Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"));

        edit("  namespace: team-a\n", "  namespace: team-b\n");
        CliRun other = local();
        assertEquals(ExitCodes.INVALID_JOB, other.exit(), other.err());
        assertTrue(
                other.err()
                        .contains(" holds the output of job 'team-a/quickstart', and this is job 'team-b/quickstart'"
                                + " (another namespace: another campaign, whatever its recipe and model): write this"
                                + " job's output elsewhere (spec.output.uri, or --out locally)"),
                other.err());
        assertFalse(other.err().contains("recipe drift"), other.err());
        assertEquals(marker, Files.readString(markerFile), "nothing written");
        assertTrue(
                Arrays.equals(receipt, Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"))),
                "receipt untouched");

        // a worker started by hand with that job does not take team-a's receipts as its own either
        edit("uri: file://quickstart-out/", "uri: " + out.toUri());
        Path termination = out.resolveSibling("termination");
        CliRun run = CliRun.of(
                "run", "-f", manifests.toString(), "--shard", "0", "--termination-log", termination.toString());
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(run.err().contains("this is job 'team-b/quickstart' (another namespace"), run.err());
        assertTrue(Files.readString(termination).contains("output_drift"), Files.readString(termination));
        assertEquals(marker, Files.readString(markerFile), "nothing written");

        // within team-a a renamed job with the same recipe and model runs on
        edit("  name: quickstart\n  namespace: team-b\n", "  name: renamed\n  namespace: team-a\n");
        CliRun renamed = local();
        assertEquals(ExitCodes.DONE, renamed.exit(), "a rename within the namespace: " + renamed.err());

        // a job without a namespace (a manifest that names none) is not compared, nor does it drop the recorded one
        edit("  namespace: team-a\n", "");
        CliRun none = local();
        assertEquals(ExitCodes.DONE, none.exit(), none.err());
        assertTrue(Files.readString(markerFile).contains("\"namespace\":\"team-a\""), Files.readString(markerFile));

        // a marker written before the field compares none, and the next plan that knows the namespace records it
        Files.writeString(markerFile, marker.replace("\"namespace\":\"team-a\",", ""));
        edit("  name: renamed\n", "  name: renamed\n  namespace: team-b\n");
        CliRun older = local();
        assertEquals(ExitCodes.DONE, older.exit(), older.err());
        assertTrue(Files.readString(markerFile).contains("\"namespace\":\"team-b\""), Files.readString(markerFile));

        // a job moved to another namespace, said so explicitly, runs on there
        edit("  namespace: team-b\n", "  namespace: team-c\n");
        assertEquals(ExitCodes.INVALID_JOB, local().exit());
        CliRun moved = local("--accept-recipe-change");
        assertEquals(ExitCodes.DONE, moved.exit(), moved.err());
        assertTrue(Files.readString(markerFile).contains("\"namespace\":\"team-c\""), Files.readString(markerFile));
        assertEquals(ExitCodes.DONE, local().exit());
    }

    @Test
    void anOutputALaterVersionWroteInAnotherFormatIsRefusedEvenWithTheAcceptFlag() throws IOException {
        CliRun first = local();
        assertEquals(ExitCodes.DONE, first.exit(), first.err());
        Path markerFile = out.resolve("_palimpsest/recipe.json");
        String marker = Files.readString(markerFile);
        assertTrue(marker.contains("\"format\":1"), marker);
        byte[] receipt = Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"));

        // A later version's output: its plan, checkpoints and receipts may mean something else.
        String later = marker.replace("\"format\":1", "\"format\":2");
        Files.writeString(markerFile, later);
        for (String[] flags : new String[][] {{}, {"--accept-recipe-change"}}) {
            CliRun refused = local(flags);
            assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
            assertTrue(
                    refused.err()
                            .contains("says the output was written in format 2 by a later version of Palimpsest;"
                                    + " this version reads format 1 and earlier"),
                    refused.err());
            assertTrue(refused.err().contains("worker image"), refused.err());
            assertEquals(later, Files.readString(markerFile), "the marker is kept");
            assertTrue(
                    Arrays.equals(receipt, Files.readAllBytes(out.resolve("_palimpsest/receipts/shard-00000.json"))),
                    "receipt untouched");
        }

        // Nor does the tally count its receipts.
        edit("uri: file://quickstart-out/", "uri: " + out.toUri());
        CliRun tally = CliRun.of(
                "tally",
                "-f",
                manifests.toString(),
                "--termination-log",
                out.resolveSibling("tally-log").toString());
        assertEquals(ExitCodes.INVALID_JOB, tally.exit(), tally.err());
        assertTrue(tally.err().contains("written in format 2 by a later version"), tally.err());

        // Markers written before the field are format 1.
        Files.writeString(markerFile, marker.replace("\"format\":1,", ""));
        CliRun earlier = local();
        assertEquals(ExitCodes.DONE, earlier.exit(), earlier.err());
    }

    @Test
    void outputInsideTheInputIsRefusedAfterPathsAreResolved() {
        out = manifests.resolve("data/./out");
        CliRun run = local();
        assertEquals(ExitCodes.INVALID_JOB, run.exit(), run.err());
        assertTrue(run.err().contains("is inside the input"), run.err());
        assertFalse(Files.exists(manifests.resolve("data/out")));
    }
}
