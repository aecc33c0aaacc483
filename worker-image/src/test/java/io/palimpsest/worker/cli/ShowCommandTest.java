package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.run.ShardLayout;
import io.palimpsest.worker.show.CommittedOutputReader;
import io.palimpsest.worker.show.ShowSelection;
import io.palimpsest.worker.show.ShownDocument;
import io.palimpsest.worker.show.ShownOutput;
import io.palimpsest.worker.show.ShownResult;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.StorageResolver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code palimpsest show} after a real {@code local} run of the quickstart: every committed
 * document with its source from the input and each variant's committed record, nothing that a
 * receipt does not commit, the selections, pvc:// and the errors.
 */
class ShowCommandTest {

    private static final Path QUICKSTART = Path.of("../examples/quickstart");
    private static final Pattern HEADING = Pattern.compile("(?m)^== (\\S+)  \\(shard (\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path claims;

    static Path out;

    @BeforeAll
    static void runTheQuickstart() {
        out = claims.resolve("corpus/quickstart-out");
        assertEquals(
                0, PalimpsestCli.execute("local", "-f", QUICKSTART.toString(), "--simulate", "--out", out.toString()));
    }

    @Test
    void showsEveryCommittedDocumentWithItsSourceAndEachVariantsRecord() throws IOException {
        ShownOutput shown = load(out, new ShowSelection(null, null, null, 1000));
        Map<String, String> input = inputTexts();
        Map<String, Map<String, String>> committed = committedOutputs(out);
        long read = receipts(out).stream()
                .mapToLong(r -> r.path("counts").path("read").asLong())
                .sum();

        assertEquals(List.of("wiki", "qa"), shown.variants());
        assertEquals(2, shown.shardsCommitted());
        assertEquals(read, shown.documents().size(), "every document read is shown once");
        assertFalse(shown.more());
        for (ShownDocument doc : shown.documents()) {
            String text = input.get(doc.id());
            if (text != null && !text.isEmpty()) {
                assertEquals(text, doc.source(), "source of " + doc.id() + " joined from the input");
            }
            for (ShownResult r : doc.results()) {
                if (r.outcome() == ShownResult.Outcome.written) {
                    assertEquals(committed.get(r.variant()).get(doc.id()), r.text(), r.variant() + " of " + doc.id());
                }
            }
        }
        ShownDocument empty = shown.documents().stream()
                .filter(d -> d.id().equals("empty-1"))
                .findFirst()
                .orElseThrow();
        assertNull(empty.source());
        assertEquals("empty_text", empty.results().get(0).reason());
        assertNull(empty.results().get(0).variant(), "a record no variant saw is a reject of the whole document");

        CliRun run = CliRun.of("show", out.toString(), "--limit", "1000", "--max-chars", "0");
        assertEquals(0, run.exit(), run.err());
        List<String> headings = new ArrayList<>();
        Matcher m = HEADING.matcher(run.out());
        while (m.find()) {
            headings.add(m.group(1));
        }
        assertEquals(shown.documents().stream().map(ShownDocument::id).toList(), headings);
        assertTrue(run.out().contains("-- every variant: skipped empty_text (field 'text' is empty)"), run.out());
        String lighthouse = input.get("lighthouse-1");
        assertTrue(squeeze(run.out()).contains(squeeze(lighthouse)), "the source, folded, is printed");
        assertTrue(
                squeeze(run.out()).contains(squeeze(committed.get("qa").get("lighthouse-1"))),
                "the qa output, folded, is printed");
        for (String line : run.out().split("\n")) {
            assertTrue(line.length() <= 100 || !line.startsWith("  "), "texts folded to 100 columns: " + line);
        }
    }

    @Test
    void htmlIsThePreviewsReportOverEveryCommittedDocumentAndItsSource(@TempDir Path pages) throws IOException {
        Path page = pages.resolve("quickstart.html");
        CliRun run = CliRun.of("show", out.toString(), "--html", "--out", page.toString());
        assertEquals(0, run.exit(), run.err());
        long read = receipts(out).stream()
                .mapToLong(r -> r.path("counts").path("read").asLong())
                .sum();
        assertTrue(run.out().contains(read + " documents of " + out + " written to " + page), run.out());

        String html = Files.readString(page);
        assertTrue(html.contains("<title>Output of quickstart</title>"), "titled by the job the receipts name");
        assertFalse(html.contains("<link") || html.matches("(?s).*<script[^>]*\\ssrc=.*"), "nothing fetched");
        JsonNode data = JSON.readTree(PreviewExamplesTest.embeddedData(html));
        assertEquals("output", data.path("kind").asText());
        assertEquals(
                receipts(out).get(0).path("recipeHash").asText(),
                data.path("recipeHash").asText());
        assertEquals(List.of("wiki", "qa"), JSON.convertValue(data.path("variants"), List.class));

        Map<String, String> input = inputTexts();
        Map<String, Map<String, String>> committed = committedOutputs(out);
        Map<String, List<String>> rejected = committedRejects(out);
        List<String> ids = new ArrayList<>();
        long accepted = 0;
        for (JsonNode doc : data.path("documents")) {
            String id = doc.path("id").asText();
            ids.add(id);
            String text = input.get(id);
            if (text != null && !text.isEmpty()) {
                assertEquals(text, doc.path("source").asText(), "source of " + id + " joined from the input");
            }
            assertTrue(doc.path("outcomes").size() > 0, id + " shows what the run committed for it");
            for (JsonNode outcome : doc.path("outcomes")) {
                String variant = outcome.path("variant").asText(null);
                if (outcome.path("status").asText().equals("accepted")) {
                    accepted++;
                    assertEquals(
                            committed.get(variant).get(id), outcome.path("text").asText(), variant + " of " + id);
                } else {
                    assertTrue(
                            rejected.getOrDefault(id, List.of())
                                    .contains(variant + ":"
                                            + outcome.path("reason").asText()),
                            "reject of " + id + " as committed: " + outcome);
                }
            }
        }
        assertEquals(read, ids.size(), "every document read is in the page once");
        assertEquals(ids.size(), Set.copyOf(ids).size());
        assertEquals(
                committed.values().stream().mapToLong(Map::size).sum(),
                accepted,
                "every committed output is in the page");
        long rejects = 0;
        for (JsonNode s : data.path("summary")) {
            for (JsonNode n : s.path("rejectedByReason")) {
                rejects += n.asLong();
            }
            for (JsonNode n : s.path("skippedByReason")) {
                rejects += n.asLong();
            }
        }
        assertEquals(
                rejected.values().stream().mapToLong(List::size).sum(),
                rejects,
                "the summary counts every committed reject");
        // committed records keep no requests or tokens: none is made up; the receipts' totals are given instead
        for (JsonNode s : data.path("summary")) {
            assertTrue(
                    s.path("requests").isMissingNode() && s.path("promptTokens").isMissingNode(), s.toString());
        }
        for (JsonNode doc : data.path("documents")) {
            assertTrue(
                    doc.path("requests").isMissingNode()
                            && doc.path("completionTokens").isMissingNode(),
                    doc.toString());
        }
        JsonNode committedCounts = data.path("committed");
        assertEquals(2, committedCounts.path("shardsCommitted").asInt());
        assertEquals(read, committedCounts.path("read").asLong());
        assertEquals(
                receipts(out).stream()
                        .mapToLong(r -> r.path("counts").path("promptTokens").asLong())
                        .sum(),
                committedCounts.path("promptTokens").asLong());
        assertTrue(committedCounts.path("completionTokens").asLong() > 0, committedCounts.toString());

        CliRun qa = CliRun.of(
                "show",
                out.toString(),
                "--html",
                "--variant",
                "qa",
                "--out",
                pages.resolve("qa.html").toString());
        assertEquals(0, qa.exit(), qa.err());
        JsonNode qaData = JSON.readTree(PreviewExamplesTest.embeddedData(Files.readString(pages.resolve("qa.html"))));
        // the page's variants are the one shown, as the terminal's header says, not every variant with empty columns
        assertEquals(List.of("qa"), JSON.convertValue(qaData.path("variants"), List.class));
        for (JsonNode doc : qaData.path("documents")) {
            for (JsonNode outcome : doc.path("outcomes")) {
                assertTrue(
                        outcome.path("variant").isMissingNode()
                                || outcome.path("variant").asText().equals("qa"),
                        outcome.toString());
            }
        }

        CliRun outWithoutHtml = CliRun.of("show", out.toString(), "--out", page.toString());
        assertEquals(2, outWithoutHtml.exit());
        assertTrue(outWithoutHtml.err().contains("--out names the page of --html"), outWithoutHtml.err());
    }

    /** --variant: the header says the variant shown and how many there are, not every variant's name. */
    @Test
    void theHeaderOfOneVariantSaysThatVariant() {
        CliRun qa = CliRun.of("show", out.toString(), "--variant", "qa");
        assertEquals(0, qa.exit(), qa.err());
        assertTrue(qa.out().contains("\nvariant  qa of the 2\n"), qa.out());
        assertFalse(qa.out().contains("wiki"), qa.out());

        CliRun every = CliRun.of("show", out.toString());
        assertTrue(every.out().contains("\nvariants wiki, qa\n"), every.out());
    }

    @Test
    void selectsByVariantIdShardAndLimit() throws IOException {
        ShownOutput qa = load(out, new ShowSelection("qa", null, null, 1000));
        assertTrue(
                qa.documents().stream()
                        .flatMap(d -> d.results().stream())
                        .allMatch(r -> r.variant() == null || r.variant().equals("qa")),
                "only qa and whole-document rejects");

        ShownOutput one = load(out, new ShowSelection(null, "bread-1", null, 10));
        assertEquals(1, one.documents().size());
        assertEquals(
                List.of("wiki", "qa"),
                one.documents().get(0).results().stream()
                        .map(ShownResult::variant)
                        .toList());

        ShownOutput shard1 = load(out, new ShowSelection(null, null, 1, 1000));
        assertTrue(shard1.documents().stream().allMatch(d -> d.shard() == 1));
        assertEquals(
                receipts(out).get(1).path("counts").path("read").asLong(),
                shard1.documents().size());

        CliRun limited = CliRun.of("show", out.toString(), "--limit", "2");
        assertEquals(0, limited.exit(), limited.err());
        assertEquals(2, HEADING.matcher(limited.out()).results().count());
        assertTrue(limited.out().contains("2 documents shown; more with --limit, --shard or --id"), limited.out());
        ShownOutput firstTwo = load(out, new ShowSelection(null, null, null, 2));
        ShownOutput all = load(out, new ShowSelection(null, null, null, 1000));
        assertEquals(
                all.documents().subList(0, 2),
                firstTwo.documents(),
                "the limit keeps the first documents in input order");
    }

    @Test
    void neverShowsWhatNoReceiptCommits(@TempDir Path copy) throws IOException {
        copyTree(out, copy);
        Files.delete(copy.resolve("_palimpsest/receipts/shard-00001.json"));
        // a part file and a stray data file: present on disk, committed by nothing
        Path stray = Files.createDirectories(copy.resolve("_palimpsest/checkpoints/shard-00001"));
        Files.writeString(
                stray.resolve("part-000000.abc.wiki.jsonl"),
                "{\"id\":\"ghost\",\"text\":\"uncommitted\",\"provenance\":{}}\n");
        Files.writeString(
                copy.resolve("wiki/shard-00009.jsonl"),
                "{\"id\":\"ghost\",\"text\":\"uncommitted\",\"provenance\":{}}\n");

        ShownOutput shown = load(copy, new ShowSelection(null, null, null, 1000));
        assertEquals(1, shown.shardsCommitted());
        assertEquals(2, shown.shardsPlanned());
        assertTrue(shown.documents().stream().allMatch(d -> d.shard() == 0), "only the shard with a receipt");
        assertTrue(shown.documents().stream().noneMatch(d -> d.id().equals("ghost")));

        CliRun uncommitted = CliRun.of("show", copy.toString(), "--shard", "1");
        assertNotEquals(0, uncommitted.exit());
        assertTrue(
                uncommitted.err().contains("no committed output at " + copy + ": shard 1 has no receipt yet"),
                uncommitted.err());
    }

    /** With --shard the header speaks of that shard, not of a count of one among all those planned. */
    @Test
    void oneShardIsShownAsThatShard() {
        CliRun one = CliRun.of("show", out.toString(), "--shard", "1", "--limit", "1");
        assertEquals(0, one.exit(), one.err());
        assertTrue(one.out().contains("\nshard    1 of the 2 planned, committed\n"), one.out());
        assertFalse(one.out().contains("committed of"), one.out());
        CliRun all = CliRun.of("show", out.toString(), "--limit", "1");
        assertTrue(all.out().contains("\nshards   2 committed of 2 planned\n"), all.out());
    }

    @Test
    void oneDocumentIsOneDocument(@TempDir Path pages) {
        Path page = pages.resolve("one.html");
        CliRun one = CliRun.of("show", out.toString(), "--html", "--limit", "1", "--out", page.toString());
        assertEquals(0, one.exit(), one.err());
        assertTrue(one.out().startsWith("1 document of " + out + " written to " + page), one.out());
    }

    @Test
    void pvcOutputsResolveUnderThePvcRoot() {
        CliRun run = CliRun.of("show", "pvc://corpus/quickstart-out", "--pvc-root", claims.toString(), "--id", "tea-1");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("== tea-1  (shard "), run.out());
        assertTrue(run.out().contains("-- wiki: written"), run.out());
    }

    @Test
    void aMatrixDocumentShowsEachCombinationUnderItsSource() {
        Path maga = claims.resolve("maga-out");
        assertEquals(
                0, PalimpsestCli.execute("local", "-f", "../examples/maga", "--simulate", "--out", maga.toString()));
        CliRun run = CliRun.of("show", maga.toString(), "--id", "maga-000", "--max-chars", "0");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("glass lenses made of many prisms"), "the source is found: " + run.out());
        assertEquals(
                5,
                run.out().lines().filter(l -> l.startsWith("-- maga")).count(),
                "one result per pair, written or rejected: " + run.out());
    }

    @Test
    void errorsNameWhatIsMissingAndWhatThereIs(@TempDir Path empty) {
        CliRun unknownId = CliRun.of("show", out.toString(), "--id", "no-such-doc");
        assertEquals(1, unknownId.exit());
        assertTrue(
                unknownId.err().contains("no document with id 'no-such-doc' in the committed output of " + out),
                unknownId.err());

        CliRun unknownVariant = CliRun.of("show", out.toString(), "--variant", "poetry");
        assertEquals(1, unknownVariant.exit());
        assertTrue(
                unknownVariant.err().contains("unknown variant 'poetry': " + out + " has wiki, qa"),
                unknownVariant.err());

        CliRun noOutput = CliRun.of("show", empty.toString());
        assertEquals(1, noOutput.exit());
        assertTrue(
                noOutput.err().contains(empty + " holds no Palimpsest output: there is no _palimpsest/manifest.jsonl"),
                noOutput.err());

        CliRun noShard = CliRun.of("show", out.toString(), "--shard", "7");
        assertEquals(1, noShard.exit());
        assertTrue(
                noShard.err().contains("shard 7 does not exist: the plan of " + out + " has 2 shards (0-1)"),
                noShard.err());

        CliRun both = CliRun.of("show", out.toString(), "--shard", "0", "--id", "tea-1");
        assertEquals(2, both.exit(), "picocli refuses --id with --shard: " + both.err());
    }

    static ShownOutput load(Path output, ShowSelection selection) throws IOException {
        StorageResolver resolver = StorageResolver.localOnly();
        return new CommittedOutputReader(JSON)
                .load(output.toString(), new FileStorage(output), resolver::openInput, null, selection);
    }

    private static Map<String, String> inputTexts() throws IOException {
        Map<String, String> texts = new HashMap<>();
        try (Stream<Path> files = Files.list(QUICKSTART.resolve("data"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (!line.isBlank()) {
                        JsonNode record = JSON.readTree(line);
                        texts.put(
                                record.path("id").asText(), record.path("text").asText(null));
                    }
                }
            }
        }
        return texts;
    }

    /** variant -> id -> text, read straight from the files the receipts list. */
    static Map<String, Map<String, String>> committedOutputs(Path output) throws IOException {
        Map<String, Map<String, String>> outputs = new HashMap<>();
        for (JsonNode receipt : receipts(output)) {
            for (String variant : List.of("wiki", "qa")) {
                String key = receipt.path("outputs").path(variant).path("key").asText();
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                        Compression.ofFileName(key).decompress(Files.newInputStream(output.resolve(key))),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        JsonNode record = JSON.readTree(line);
                        outputs.computeIfAbsent(variant, v -> new HashMap<>())
                                .put(
                                        record.path("id").asText(),
                                        record.path("text").asText());
                    }
                }
            }
        }
        return outputs;
    }

    /** id -> "variant:reason" of each committed reject ("null:reason" for a whole document). */
    static Map<String, List<String>> committedRejects(Path output) throws IOException {
        Map<String, List<String>> rejects = new HashMap<>();
        for (JsonNode receipt : receipts(output)) {
            JsonNode stream = receipt.path("outputs").path(ShardLayout.REJECTS_STREAM);
            if (stream.isMissingNode()) {
                continue;
            }
            String key = stream.path("key").asText();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                    Compression.ofFileName(key).decompress(Files.newInputStream(output.resolve(key))),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!line.isBlank()) {
                        JsonNode record = JSON.readTree(line);
                        rejects.computeIfAbsent(record.path("id").asText(), i -> new ArrayList<>())
                                .add(record.path("variant").asText(null) + ":"
                                        + record.path("reason").asText());
                    }
                }
            }
        }
        return rejects;
    }

    static List<JsonNode> receipts(Path output) throws IOException {
        List<JsonNode> receipts = new ArrayList<>();
        try (Stream<Path> files = Files.list(output.resolve("_palimpsest/receipts"))) {
            for (Path receipt : files.sorted().toList()) {
                receipts.add(JSON.readTree(receipt.toFile()));
            }
        }
        return receipts;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static String squeeze(String text) {
        return text.replaceAll("\\s+", " ").strip();
    }
}
