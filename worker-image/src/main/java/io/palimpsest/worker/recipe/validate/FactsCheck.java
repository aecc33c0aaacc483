package io.palimpsest.worker.recipe.validate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Fidelity without a model: the facts of source and output compared (K2 checks each rephrasing
 * for semantic alignment with its source; the method is not published, this is ours). Facts are
 * read from both texts the same way:
 * <ul>
 *   <li>numbers and dates, as values: digits ("1871", "2,400", "3.5"), spelled numbers
 *       ("thirty-eight", "one hundred and eighty thousand"), half and quarter as per cent, so
 *       "38 m" and "thirty-eight metres" agree;</li>
 *   <li>names: capitalised words inside a sentence, or opening one before another capitalised
 *       word ("Kerrow Point", "Mull Feran", "March"), possessives and plural s dropped;</li>
 *   <li>key nouns: content words of five letters or more, compared by their first five letters
 *       so inflections match.</li>
 * </ul>
 * <b>Precision</b>: the share of the output's numbers and names that the source holds (a changed
 * number, a swapped or invented name lowers it). <b>Recall</b>: the share of the source's
 * sentences the output keeps, a sentence being kept when at least one fact of its own (one no
 * other sentence of the source has) is in the output: a dropped statement lowers it, a paraphrase
 * that renames most words does not. Neither catches two names that trade places, or a fact
 * turned into its opposite with the same words: that is the judge's part.
 */
public record FactsCheck(double minRecall, double minPrecision) implements OutputCheck {
    public static final String REASON = "facts";
    public static final double DEFAULT_MIN_RECALL = 1.0;
    public static final double DEFAULT_MIN_PRECISION = 1.0;
    static final int KEY_NOUN_LENGTH = 4;
    static final int STEM = 5;

    /** The facts of a text or of one sentence. */
    public record Facts(Set<String> numbers, Set<String> names, Set<String> nouns) {
        /** Every fact, tagged by kind so a number and a word never meet. */
        Set<String> all() {
            Set<String> out = new LinkedHashSet<>();
            numbers.forEach(n -> out.add("#" + n));
            names.forEach(n -> out.add("@" + n));
            nouns.forEach(n -> out.add("~" + n));
            return out;
        }
    }

    /** What the comparison found. */
    public record Comparison(double recall, double precision, int sentences, int sentencesKept,
                             List<String> droppedSentences, Set<String> unsupported) {
    }

    @Override
    public Optional<Rejection> check(ValidationSubject s) {
        Comparison c = compare(s.source(), s.output());
        if (c.precision() < minPrecision) {
            return Optional.of(new Rejection(REASON, String.format(Locale.ROOT,
                    "%.0f%% of the output's numbers and names are in the source (limit %.0f%%); not in the source: %s",
                    c.precision() * 100, minPrecision * 100, shortList(c.unsupported())), c.precision(), minPrecision));
        }
        if (c.recall() < minRecall) {
            return Optional.of(new Rejection(REASON, String.format(Locale.ROOT,
                    "%d of the source's %d statements are in the output (%.0f%%, limit %.0f%%); dropped: %s",
                    c.sentencesKept(), c.sentences(), c.recall() * 100, minRecall * 100,
                    shortList(new LinkedHashSet<>(c.droppedSentences()))), c.recall(), minRecall));
        }
        return Optional.empty();
    }

    public static Comparison compare(String source, String output) {
        Facts out = extract(output);
        Set<String> outputFacts = out.all();
        Set<String> outputWords = words(output);
        Set<String> sourceWords = words(source);

        // recall: each source sentence by the facts only it has
        List<String> sentences = sentences(source);
        List<Set<String>> own = new ArrayList<>();
        Map<String, Integer> seenIn = new HashMap<>();
        for (String sentence : sentences) {
            Set<String> facts = extract(sentence).all();
            own.add(facts);
            facts.forEach(f -> seenIn.merge(f, 1, Integer::sum));
        }
        int anchored = 0;
        int kept = 0;
        List<String> dropped = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            List<String> unique = own.get(i).stream().filter(f -> seenIn.get(f) == 1).toList();
            if (unique.isEmpty()) {
                continue; // nothing of its own to look for
            }
            anchored++;
            boolean found = unique.stream().anyMatch(f -> outputFacts.contains(f)
                    || (f.startsWith("@") && outputWords.contains(f.substring(1))));
            if (found) {
                kept++;
            } else {
                dropped.add(abbreviate(sentences.get(i)));
            }
        }

        // precision: the output's numbers and names against the source
        Facts src = extract(source);
        Set<String> unsupported = new LinkedHashSet<>();
        int claims = 0;
        for (String n : out.numbers()) {
            claims++;
            if (!src.numbers().contains(n)) {
                unsupported.add(n);
            }
        }
        for (String n : out.names()) {
            claims++;
            // a name the source has, in any position or case (a sentence-initial or lower-case use)
            if (!src.names().contains(n) && !sourceWords.contains(n)) {
                unsupported.add(n);
            }
        }
        double recall = anchored == 0 ? 1 : (double) kept / anchored;
        double precision = claims == 0 ? 1 : (double) (claims - unsupported.size()) / claims;
        return new Comparison(recall, precision, anchored, kept, dropped, unsupported);
    }

    private static String abbreviate(String sentence) {
        String s = sentence.strip();
        return s.length() <= 60 ? "\"" + s + "\"" : "\"" + s.substring(0, 57) + "...\"";
    }

    private static String shortList(Set<String> items) {
        return items.stream().limit(5).toList() + (items.size() > 5 ? " and " + (items.size() - 5) + " more" : "");
    }

    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+|\\n\\s*\\n");
    private static final Pattern TOKEN = Pattern.compile("\\d[\\d,]*(?:\\.\\d+)?%?|[\\p{L}][\\p{L}'’]*|[.!?;:]");
    private static final Map<String, Integer> UNITS = Map.ofEntries(
            Map.entry("two", 2), Map.entry("three", 3), Map.entry("four", 4), Map.entry("five", 5),
            Map.entry("six", 6), Map.entry("seven", 7), Map.entry("eight", 8), Map.entry("nine", 9), Map.entry("ten", 10),
            Map.entry("eleven", 11), Map.entry("twelve", 12), Map.entry("thirteen", 13), Map.entry("fourteen", 14),
            Map.entry("fifteen", 15), Map.entry("sixteen", 16), Map.entry("seventeen", 17), Map.entry("eighteen", 18),
            Map.entry("nineteen", 19), Map.entry("twenty", 20), Map.entry("thirty", 30), Map.entry("forty", 40),
            Map.entry("fifty", 50), Map.entry("sixty", 60), Map.entry("seventy", 70), Map.entry("eighty", 80),
            Map.entry("ninety", 90), Map.entry("dozen", 12));
    /** Fractions a rewrite may give as per cent ("half" for "fifty per cent"). */
    private static final Map<String, Integer> FRACTIONS = Map.of("half", 50, "quarter", 25);
    private static final Map<String, Integer> SCALES = Map.of("hundred", 100, "thousand", 1000, "million", 1_000_000);
    private static final Set<String> STOP = Set.of(("about above after again against among another around because before "
            + "being below between beyond could during either every first further having however itself little might "
            + "nearly never other others ought over quite rather really second should since still their theirs them "
            + "themselves there these thing things those though through throughout under until upon whatever when "
            + "where whether which while whose within without would years year later today").split(" "));
    /** Words that open sentences capitalised without being names, even before a name ("In March", "From Ruda"). */
    private static final Set<String> OPENERS = Set.of(("a an the in on at by for from to of with into onto after before since "
            + "during until when while once each every its it this that these those their his her our there here then "
            + "today now later some many most all both over under about around near across through one two").split(" "));

    static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String s : SENTENCE_END.split(text == null ? "" : text)) {
            if (!s.isBlank()) {
                out.add(s);
            }
        }
        return out;
    }

    /** Every word of a text, lower case, possessive and plural s dropped: where a name may also appear. */
    private static Set<String> words(String text) {
        Set<String> out = new LinkedHashSet<>();
        TOKEN.matcher(text == null ? "" : text).results().map(m -> m.group())
                .filter(t -> Character.isLetter(t.charAt(0)))
                .forEach(t -> out.add(nameForm(t)));
        return out;
    }

    /** The facts of a text: numbers, names, key nouns. */
    public static Facts extract(String text) {
        Set<String> numbers = new LinkedHashSet<>();
        Set<String> names = new LinkedHashSet<>();
        Set<String> nouns = new LinkedHashSet<>();
        List<String> tokens = TOKEN.matcher(text == null ? "" : text).results().map(m -> m.group()).toList();
        boolean sentenceStart = true;
        long spelled = -1;
        long scaled = 0;
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.length() == 1 && ".!?;:".contains(t)) {
                flush(numbers, spelled, scaled);
                spelled = -1;
                scaled = 0;
                sentenceStart = ".!?".contains(t);
                continue;
            }
            if (Character.isDigit(t.charAt(0))) {
                flush(numbers, spelled, scaled);
                spelled = -1;
                scaled = 0;
                numbers.add(normaliseDigits(t));
                sentenceStart = false;
                continue;
            }
            String lower = t.toLowerCase(Locale.ROOT);
            String next = i + 1 < tokens.size() ? tokens.get(i + 1).toLowerCase(Locale.ROOT) : "";
            Long value = UNITS.containsKey(lower) ? Long.valueOf(UNITS.get(lower))
                    // "one hundred", "a thousand": one only counts before a scale, where it cannot be a pronoun
                    : (lower.equals("one") || lower.equals("a")) && SCALES.containsKey(next) ? Long.valueOf(1) : null;
            if (value != null) {
                spelled = spelled < 0 ? value : spelled + value;
                sentenceStart = false;
                continue;
            }
            if (SCALES.containsKey(lower) && spelled >= 0) {
                long scale = SCALES.get(lower);
                if (scale >= 1000) {
                    scaled += spelled * scale;
                    spelled = 0;
                } else {
                    spelled = spelled * scale;
                }
                continue;
            }
            if (lower.equals("and") && spelled >= 0 && (UNITS.containsKey(next) || next.equals("one") || next.equals("a"))) {
                continue;
            }
            flush(numbers, spelled, scaled);
            spelled = -1;
            scaled = 0;
            if (FRACTIONS.containsKey(lower)) {
                numbers.add(Integer.toString(FRACTIONS.get(lower)));
            }
            boolean capital = Character.isUpperCase(t.charAt(0));
            boolean nextCapital = i + 1 < tokens.size() && Character.isUpperCase(tokens.get(i + 1).charAt(0));
            boolean opener = sentenceStart && OPENERS.contains(lower);
            if (capital && (!sentenceStart || nextCapital) && !opener && t.length() > 1) {
                names.add(nameForm(t));
            } else {
                String w = nameForm(t);
                if (w.length() >= KEY_NOUN_LENGTH && !STOP.contains(w) && w.chars().allMatch(Character::isLetter)) {
                    nouns.add(stem(w));
                }
            }
            sentenceStart = false;
        }
        flush(numbers, spelled, scaled);
        return new Facts(numbers, names, nouns);
    }

    private static void flush(Set<String> numbers, long spelled, long scaled) {
        if (spelled >= 0 || scaled > 0) {
            numbers.add(Long.toString(scaled + Math.max(0, spelled)));
        }
    }

    private static String normaliseDigits(String t) {
        String plain = t.replace(",", "").replace("%", "");
        if (plain.endsWith(".")) {
            plain = plain.substring(0, plain.length() - 1);
        }
        return plain.matches("\\d+\\.0+") ? plain.substring(0, plain.indexOf('.')) : plain;
    }

    /** Lower case, possessive and a plural s dropped: "Aldanes", "Aldane's" and "aldane" meet. */
    static String nameForm(String t) {
        String w = t.toLowerCase(Locale.ROOT);
        if (w.endsWith("'s") || w.endsWith("’s")) {
            w = w.substring(0, w.length() - 2);
        }
        while (w.endsWith("'") || w.endsWith("’")) {
            w = w.substring(0, w.length() - 1);
        }
        if (w.length() > 4 && w.endsWith("s") && !w.endsWith("ss")) {
            w = w.substring(0, w.length() - 1);
        }
        return w.isEmpty() ? t.toLowerCase(Locale.ROOT) : w;
    }

    static String stem(String w) {
        return w.length() <= STEM ? w : w.substring(0, STEM);
    }
}
