package io.palimpsest.worker.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.PreFilter;
import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.recipe.filter.PreFilterChain;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import io.palimpsest.worker.recipe.validate.ValidationSubject;
import io.palimpsest.worker.recipe.validate.Validators;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TextMeasuresTest {
    /** A Chinese paragraph of 100 characters, punctuation included. */
    private static final String ZH =
            "北方海角上的老灯塔建于一八七一年，用当地开采的花岗岩砌成，塔身高二十八米。它的灯最初燃烧鲸油，后来改" + "用煤油，自一九五二年起使用电灯泡，二十海里外都能看见它的光。如今灯塔无人值守由岸上的控制室远程管理。";

    private static final String ZH_SOURCE = "北方海角上的老灯塔建于1871年，用当地的花岗岩砌成。它的灯最初燃烧鲸油，后来改用煤油，" + "自1952年起使用电灯泡，二十海里外都能看见。";
    /** The same facts in other words, written as one sentence without commas. */
    private static final String ZH_PARAPHRASE =
            "这座矗立在海角北端的古老航标于1871年以附近开采的石材建造而成起初靠鲸油照明随后换成煤油并在1952年以后通电发光远在二十海里之外仍清晰可辨。";

    private static final String JA = "日本語の文章には単語の間に空白がありません。";

    /** The definition used before Chinese and Japanese characters were words of their own. */
    private static final Pattern RUNS = Pattern.compile("[\\p{L}\\p{N}]+(?:['’][\\p{L}]+)*");

    private static Optional<String> reason(String specYaml, String source, String output) {
        ValidatorSpec spec = RecipeYaml.parse(specYaml, ValidatorSpec.class);
        Validators v = Validators.of(List.of(spec), Optional.empty(), new PromptRenderer(), "test");
        return v.checkLocal(new ValidationSubject(source, output, "stop", 10, 100, Map.of()))
                .map(r -> r.reason().code());
    }

    @Test
    void eachHanHiraganaAndKatakanaCharacterIsAWordAndOtherTextCountsAsRuns() {
        assertEquals(List.of("日", "本", "語", "の", "文", "章"), TextMeasures.words("日本語の文章"));
        // a prolonged sound mark belongs to the kana before it
        assertEquals(List.of("コー", "ヒー", "を", "飲", "む"), TextMeasures.words("コーヒーを飲む"));
        assertEquals(List.of("python", "3", "の", "使", "い", "方", "don't"), TextMeasures.words("Python 3の使い方: don't"));
        assertEquals(List.of("1871", "年", "gpu", "型"), TextMeasures.words("1871年GPU型"));
        // Korean puts spaces between its words; Thai's letters are not words of their own
        assertEquals(2, TextMeasures.wordCount("한국어 문장입니다"));
        assertEquals(TextMeasures.wordCount("ภาษาไทย"), runs("ภาษาไทย").size());
        assertEquals(100 - 8, TextMeasures.wordCount(ZH)); // 100 characters, 8 of them punctuation
        // a Han character outside the Basic Multilingual Plane is one word
        assertEquals(3, TextMeasures.wordCount("\uD840\uDC0B\uD840\uDC0B字"));
    }

    @Test
    void textWithoutChineseOrJapaneseCountsAsBefore() {
        String alphabet = "aZk9 0.,;:'’\"-\n\téüßжЯ한국ภาษ\u0301\u0915\u093F²Ⅻ_\uD83D\uDE00";
        Random random = new Random(20261207);
        for (int round = 0; round < 20_000; round++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                int at = random.nextInt(alphabet.length());
                char c = alphabet.charAt(at);
                if (Character.isHighSurrogate(c)) {
                    text.append(c).append(alphabet.charAt(at + 1));
                } else if (!Character.isLowSurrogate(c)) {
                    text.append(c);
                }
            }
            String s = text.toString();
            assertEquals(runs(s), TextMeasures.words(s), s);
            assertEquals(runs(s).size(), TextMeasures.wordCount(s), s);
        }
    }

    @Test
    void aChineseDocumentOf300CharactersPassesAFiftyWordMinimum() {
        String doc = ZH + ZH + ZH;
        assertEquals(300, doc.length());
        PreFilter filter = RecipeYaml.parse("{type: minLength, words: 50}", PreFilter.class);
        PreFilterChain chain = new PreFilterChain(List.of(filter), BpeTokenCounter.instance());
        assertEquals(Optional.empty(), chain.firstFailure(new SourceDocument("zh", doc, Map.of())));
        PreFilter tooMany = RecipeYaml.parse("{type: minLength, words: 277}", PreFilter.class);
        assertEquals(
                "276 words < 277",
                new PreFilterChain(List.of(tooMany), BpeTokenCounter.instance())
                        .firstFailure(new SourceDocument("zh", doc, Map.of()))
                        .orElseThrow()
                        .detail());
    }

    /**
     * chars counts characters as Python's len() does (code points), as the published pipelines that bound by
     * characters do (SwallowCode and SwallowMath skip inputs over 100,000): an emoji, a rare Han character of
     * Extension B or a mathematical letter is one character, where Java's length counted two.
     */
    @Test
    void charsBoundsCountCharactersNotUtf16Units() {
        String astral =
                "\ud83d\ude00\ud840\udc0b\ud835\udc00"; // grinning face, a Han character of Extension B, math bold A
        String doc = astral.repeat(20_000);
        assertEquals(120_000, doc.length());
        PreFilter max = RecipeYaml.parse("{type: maxLength, chars: 100000}", PreFilter.class);
        assertEquals(
                Optional.empty(),
                new PreFilterChain(List.of(max), BpeTokenCounter.instance())
                        .firstFailure(new SourceDocument("astral", doc, Map.of())),
                "60,000 characters are under 100,000");
        PreFilter min = RecipeYaml.parse("{type: minLength, chars: 4}", PreFilter.class);
        assertEquals(
                "3 chars < 4",
                new PreFilterChain(List.of(min), BpeTokenCounter.instance())
                        .firstFailure(new SourceDocument("three", astral, Map.of()))
                        .orElseThrow()
                        .detail());
    }

    @Test
    void aChineseParaphraseHasALengthRatioNearOne() {
        assertEquals(Optional.empty(), reason("{type: lengthRatio, min: 0.7, max: 1.5}", ZH_SOURCE, ZH_PARAPHRASE));
        assertEquals(
                Optional.of("lengthRatio"),
                reason("{type: lengthRatio, min: 0.7, max: 1.5}", ZH_SOURCE, ZH_PARAPHRASE.substring(0, 30)));
    }

    @Test
    void aJapaneseLoopIsCaughtByRepetitionAndChineseProseIsNot() {
        assertEquals(Optional.of("repetition"), reason("{type: repetition}", JA, JA + JA + JA + JA));
        assertEquals(Optional.empty(), reason("{type: repetition}", ZH, ZH));
    }

    @Test
    void aShortChineseOutputIsJudgedByTheLanguageCheck() {
        String english = "The old lighthouse on the northern cape was built in 1871 from local granite by the harbour"
                + " authority, and its lamp first burned whale oil.";
        assertEquals(Optional.of("language"), reason("{type: language}", english, ZH_SOURCE));
        assertEquals(Optional.empty(), reason("{type: language}", ZH_SOURCE, ZH_PARAPHRASE));
    }

    private static List<String> runs(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = RUNS.matcher(text);
        while (m.find()) {
            out.add(m.group().toLowerCase(Locale.ROOT));
        }
        assertTrue(out.stream().noneMatch(String::isEmpty));
        return out;
    }
}
