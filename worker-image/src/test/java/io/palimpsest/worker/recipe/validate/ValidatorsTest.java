package io.palimpsest.worker.recipe.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.recipe.FakeModel;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Truth tables: each validator on the outputs it must reject and the ones it must let through. */
class ValidatorsTest {
    private static final String SOURCE =
            "The old lighthouse on the northern cape was built in 1871 from local granite. "
                    + "Its lamp burned whale oil at first, then kerosene, and since 1952 an electric bulb that can be seen "
                    + "for twenty nautical miles. Keepers lived in the cottage beside it until the light was automated.";
    private static final String PARAPHRASE =
            "Built in 1871 out of granite quarried nearby, the aged beacon at the cape's "
                    + "northern tip first used whale oil, later switched to kerosene, and has run on electricity since 1952, "
                    + "visible twenty nautical miles out. Until automation, its keepers stayed in a small house next to the tower.";

    private static Optional<String> reason(
            String specYaml, String source, String output, String finish, Integer tokens, Integer max) {
        ValidatorSpec spec = RecipeYaml.parse(specYaml, ValidatorSpec.class);
        Validators v = Validators.of(List.of(spec), Optional.empty(), new PromptRenderer(), "test");
        return v.checkLocal(new ValidationSubject(source, output, finish, tokens, max, Map.of()))
                .map(r -> r.reason().code());
    }

    @ParameterizedTest(name = "{0}: finish={1} tokens={2}/{3} -> {4}")
    @CsvSource(
            nullValues = "null",
            value = {
                "'{type: truncation}',             length, 10,   100,  truncation",
                "'{type: truncation}',             stop,   100,  100,  truncation",
                "'{type: truncation}',             stop,   99,   100,  null",
                "'{type: truncation, margin: 2}',  stop,   98,   100,  truncation",
                "'{type: truncation, margin: 2}',  stop,   97,   100,  null",
                "'{type: truncation}',             null,   null, null, null",
                "'{type: echo}',                   stop,   1,    100,  null",
            })
    void truncation(String spec, String finish, Integer tokens, Integer max, String expected) {
        assertEquals(Optional.ofNullable(expected), reason(spec, SOURCE, PARAPHRASE, finish, tokens, max));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(
            nullValues = "null",
            delimiter = '|',
            value = {
                "{type: echo}                  | SOURCE                    | echo",
                "{type: echo}                  | PARAPHRASE                | null",
                "{type: echo}                  | NEARCOPY                  | echo",
                "{type: echo, threshold: 0.95} | NEARCOPY                  | null",
                "{type: refusal}               | I'm sorry, but I can't help with rewriting this text. | refusal",
                "{type: refusal}               | As an AI language model, I cannot rewrite documents.  | refusal",
                "{type: refusal}               | Sure! Here is the rewritten text:                     | refusal",
                "{type: refusal}               | PARAPHRASE                | null",
                "{type: refusal}               | Sorry seems to be the hardest word, the old song goes, and keepers knew it well. | null",
                "{type: lengthRatio, min: 0.5, max: 1.5} | PARAPHRASE      | null",
                "{type: lengthRatio, min: 0.5, max: 1.5} | The lighthouse is old. | lengthRatio",
                "{type: lengthRatio, max: 0.9}  | PARAPHRASE              | lengthRatio",
                "{type: length, min: 5}         | Too short.              | length",
                "{type: length, min: 5, max: 100} | PARAPHRASE            | null",
                "{type: repetition}             | LOOP                    | repetition",
                "{type: repetition}             | PARAPHRASE              | null",
                "{type: language, language: en} | PARAPHRASE              | null",
                "{type: language}               | FRENCH                  | language",
                "{type: language}               | PARAPHRASE              | null",
                "{type: compiles}               | PYTHON_OK               | null",
                "{type: compiles}               | PYTHON_BAD              | compiles",
                "{type: echo}                   | '   '                   | empty_output",
                "{type: echo}                   | INVISIBLE               | empty_output",
            })
    void table(String spec, String output, String expected) {
        assertEquals(Optional.ofNullable(expected), reason(spec, SOURCE, expand(output), "stop", 10, 1000));
    }

    private static String expand(String name) {
        return switch (name) {
            case "SOURCE" -> SOURCE;
            case "PARAPHRASE" -> PARAPHRASE;
            case "NEARCOPY" -> SOURCE.replace("granite", "stone").replace("nautical", "sea");
            case "LOOP" -> "The lighthouse was built in 1871. " + "and the lamp burned and the lamp burned ".repeat(40);
            case "FRENCH" ->
                "Le vieux phare du cap nord a été construit en 1871 avec du granit local. Sa lampe brûlait "
                        + "d'abord de l'huile de baleine, puis du pétrole, et depuis 1952 une ampoule électrique visible de loin.";
            case "PYTHON_OK" -> "```python\ndef area(r: float) -> float:\n    return 3.14159 * r * r\n```";
            // no-break spaces, a zero-width space and a byte order mark: nothing a reader sees
            case "INVISIBLE" -> "\u00a0\u200b\u00a0\n\ufeff\u202f";
            case "PYTHON_BAD" -> "def area(r):\n    return 3.14159 * r * r\n  print(area(2))\n";
            default -> name;
        };
    }

    /** An English README whose opening is badges and links: n-grams of URLs read as Dutch before they were stripped. */
    static final String README =
            "# kvstore [![build](https://github.com/acme/kvstore/actions/workflows/ci.yml/badge.svg)]"
                    + "(https://github.com/acme/kvstore/actions) [![docs](https://img.shields.io/badge/docs-latest-blue)]"
                    + "(https://acme.github.io/kvstore/) [![crates](https://img.shields.io/crates/v/kvstore.svg)](https://crates.io/crates/kvstore)\n\n"
                    + "See https://acme.github.io/kvstore/getting-started/ and https://github.com/acme/kvstore/blob/main/CONTRIBUTING.md "
                    + "or the [wiki](https://github.com/acme/kvstore/wiki/Home).\n\n"
                    + "A small embedded key-value store. It keeps data in an append-only log and rebuilds the index on start. "
                    + "Read the [design notes](https://github.com/acme/kvstore/blob/main/docs/design.md) before you change the file "
                    + "format, and open an issue first for large changes.\n";

    static final String README_REWRITE =
            "# kvstore\n\n[![build](https://github.com/acme/kvstore/actions/workflows/ci.yml/badge.svg)]"
                    + "(https://github.com/acme/kvstore/actions) Documentation lives at https://acme.github.io/kvstore/ "
                    + "(start with https://acme.github.io/kvstore/getting-started/); contributing rules are in "
                    + "https://github.com/acme/kvstore/blob/main/CONTRIBUTING.md.\n\n"
                    + "kvstore is a compact key-value store you embed in your program. Data goes to a log that is only ever appended to, "
                    + "and the index is rebuilt from it at startup. Before touching the on-disk format, read the "
                    + "[design notes](https://github.com/acme/kvstore/blob/main/docs/design.md); for big changes, open an issue first.\n";
    static final String README_GERMAN =
            "# kvstore\n\n[![build](https://github.com/acme/kvstore/actions/workflows/ci.yml/badge.svg)]"
                    + "(https://github.com/acme/kvstore/actions)\n\n"
                    + "kvstore ist ein kleiner eingebetteter Schlüssel-Wert-Speicher. Er schreibt die Daten in ein Protokoll, an das nur "
                    + "angehängt wird, und baut den Index beim Start daraus neu auf. Lies die Entwurfsnotizen, bevor du das Dateiformat "
                    + "änderst, und eröffne für große Änderungen zuerst ein Ticket.\n";

    @Test
    void languageIsReadFromTheProseNotFromLinksAndMarkup() {
        assertEquals(Optional.of("en"), LanguageDetector.isoCode(README), "the README is English");
        assertEquals(
                Optional.empty(),
                reason("{type: language}", README, README_REWRITE, "stop", 10, 1000),
                "a faithful rewrite of a README full of links passes");
        assertEquals(
                Optional.of("language"),
                reason("{type: language}", README, README_GERMAN, "stop", 10, 1000),
                "a rewrite into another language is still caught");
        assertEquals(
                "kvstore build See and or the wiki . A small store.",
                ProseText.of(
                        "# kvstore [![build](https://x.io/b.svg)](https://x.io) See https://x.io/a and <b>or</b> the "
                                + "[wiki](https://x.io/w). `code` A small store."));
    }

    @Test
    void anUnsureDetectionPasses() {
        String links = "https://github.com/acme/kvstore https://crates.io/crates/kvstore https://docs.rs/kvstore "
                + "[![build](https://github.com/acme/kvstore/actions/workflows/ci.yml/badge.svg)](https://github.com/acme/kvstore/actions)";
        assertEquals(Optional.empty(), LanguageDetector.isoCode(links), "no prose: no language");
        String names =
                "Kvstore Acme Rust Tokio Serde Clap Anyhow Thiserror Tracing Criterion Proptest Rayon Crossbeam Parking Lot";
        assertEquals(Optional.empty(), LanguageDetector.isoCode(names), "a list of names is no language");
        assertEquals(
                Optional.empty(),
                reason("{type: language}", names, README_GERMAN, "stop", 10, 1000),
                "a source of unknown language does not judge the output");
    }

    static List<Object[]> offlineEndings() {
        return List.of(
                new Object[] {"A full sentence.", "The rewrite stops in the mid", "truncation"},
                new Object[] {"A full sentence.", "The rewrite stops, and then,", "truncation"},
                new Object[] {"A full sentence.", "The rewrite ends properly.", null},
                new Object[] {"A full sentence.", "He said \"it ends.\"", null},
                new Object[] {"A full sentence.", "```python\nx = 1\n```", null},
                new Object[] {"def f(): return 1", "def g(): return 2", null},
                new Object[] {"- item one\n- item two", "- first item\n- second item", null});
    }

    @ParameterizedTest(name = "offline: {0} / {1} -> {2}")
    @MethodSource("offlineEndings")
    void truncationWithoutCallFactsLooksAtTheEnding(String source, String output, String expected) {
        assertEquals(Optional.ofNullable(expected), reason("{type: truncation}", source, output, null, null, null));
    }

    @Test
    void echoCountsEachChineseOrJapaneseCharacterAsAWordSoACopyOfTextWithoutSpacesIsAnEcho() {
        String zh = "北方海角上的老灯塔建于1871年，用当地的花岗岩砌成。它的灯最初燃烧鲸油，后来改用煤油，" + "自1952年起使用电灯泡，二十海里外都能看见。";
        String zhParaphrase = "这座矗立在海角北端的古老航标，1871年以附近开采的石材建造；起初靠鲸油照明，" + "随后换成煤油，1952年以后通电发光，远在二十海里之外仍清晰可辨。";
        String ja = "日本語の文章には空白がありません";
        assertEquals(Optional.of("echo"), reason("{type: echo}", zh, zh, "stop", 10, 100));
        assertEquals(Optional.of("echo"), reason("{type: echo}", ja, ja, "stop", 10, 100));
        assertEquals(Optional.of("echo"), reason("{type: echo}", ja + ja, "日本語の文章には空白がありませんね", "stop", 10, 100));
        assertEquals(Optional.empty(), reason("{type: echo}", zh, zhParaphrase, "stop", 10, 100));
    }

    @Test
    void checkAllLocalGivesEveryFailureWithItsMeasuredValue() {
        List<ValidatorSpec> specs = List.of(
                RecipeYaml.parse("{type: echo}", ValidatorSpec.class),
                RecipeYaml.parse("{type: lengthRatio, max: 0.5}", ValidatorSpec.class),
                RecipeYaml.parse("{type: refusal}", ValidatorSpec.class));
        Validators v = Validators.of(specs, Optional.empty(), new PromptRenderer(), "t");
        List<CheckFailure> all = v.checkAllLocal(ValidationSubject.offline(SOURCE, SOURCE));
        assertEquals(
                List.of("echo", "lengthRatio"),
                all.stream().map(f -> f.reason().code()).toList());
        assertEquals(1.0, all.get(0).measured());
        assertEquals(0.8, all.get(0).limit());
        assertEquals(0.5, all.get(1).limit());
        assertEquals(
                List.of("empty_output"),
                v.checkAllLocal(ValidationSubject.offline(SOURCE, " ")).stream()
                        .map(f -> f.reason().code())
                        .toList());
    }

    @Test
    void judgeScoresBelowThresholdAreRejectedAndUnreadableOnesToo() {
        ValidatorSpec spec = RecipeYaml.parse(
                "{type: judge, threshold: 3, judge: {user: 'Rate: {{ output }}'}}", ValidatorSpec.class);
        for (String[] row : new String[][] {
            {"Score: 4", null},
            {"Score: 3", null},
            {"Score: 2", "judge"},
            {"I like it.", "judge"},
            {"Score: 10", "judge"},
            {"On a scale of 1 to 5 it keeps the facts. Score: 2", "judge"},
            {"On a scale of 1 to 5 it keeps the facts. Score: 4", null},
            {"Score: 95%", "judge"}
        }) {
            FakeModel judge = new FakeModel(r -> FakeModel.stop(row[0]));
            Validators v = Validators.of(List.of(spec), Optional.of(judge), new PromptRenderer(), "test");
            Verdict verdict = v.validate(ValidationSubject.offline(SOURCE, PARAPHRASE))
                    .toCompletableFuture()
                    .join();
            assertEquals(
                    Optional.ofNullable(row[1]),
                    verdict.rejection().map(f -> f.reason().code()),
                    row[0]);
            assertEquals("Rate: " + PARAPHRASE, FakeModel.lastUser(judge.requests.get(0)));
        }
    }

    @Test
    void judgeIsSkippedWhenACheapCheckAlreadyFailedAndNeedsAModel() {
        List<ValidatorSpec> specs = List.of(
                RecipeYaml.parse("{type: echo}", ValidatorSpec.class),
                RecipeYaml.parse("{type: judge, judge: {user: 'Rate {{ output }}'}}", ValidatorSpec.class));
        FakeModel judge = new FakeModel(r -> FakeModel.stop("5"));
        Verdict v = Validators.of(specs, Optional.of(judge), new PromptRenderer(), "t")
                .validate(ValidationSubject.offline(SOURCE, SOURCE))
                .toCompletableFuture()
                .join();
        assertEquals("echo", v.rejection().get().reason().code());
        assertEquals(0, judge.requests.size());
        assertThrows(RecipeException.class, () -> Validators.of(specs, Optional.empty(), new PromptRenderer(), "t"));
    }

    @Test
    void aBoundRefusedAtPlanningStillRunsInACampaignPlannedBeforeTheRefusal() {
        // min: -1 was accepted (and checked nothing) before planning refused it; a worker of a later image
        // resuming such a campaign builds the recipe as the campaign began instead of failing every shard.
        assertEquals(
                Optional.empty(),
                reason("{type: lengthRatio, min: -1, max: 1.5}", SOURCE, PARAPHRASE, "stop", 50, 100));
        assertThrows(
                Validators.BadBound.class,
                () -> Validators.check(
                        RecipeYaml.parse("{type: lengthRatio, min: -1, max: 1.5}", ValidatorSpec.class),
                        null,
                        new PromptRenderer(),
                        "test"));
    }
}
