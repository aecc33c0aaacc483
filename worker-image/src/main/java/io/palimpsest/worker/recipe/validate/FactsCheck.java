package io.palimpsest.worker.recipe.validate;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fidelity without a model: the facts of source and output compared (K2 checks each rephrasing
 * for semantic alignment with its source). Facts are read from both texts the same way:
 * <ul>
 *   <li>numbers and dates, as values: digits ("1871", "2,400", "3.5") and spelled numbers
 *       ("thirty-eight", "two hundred and forty"), so "38 m" and "thirty-eight metres" agree;</li>
 *   <li>names: capitalised words inside a sentence, or opening one when the next is capitalised
 *       too ("Kerrow Point", "Mull Feran", "March"), possessives dropped;</li>
 *   <li>key nouns: longer content words, compared by their first letters so inflections match.</li>
 * </ul>
 * Recall is the share of the source's facts found in the output (a dropped fact lowers it);
 * precision the share of the output's numbers and names found in the source (a changed number or
 * a swapped name lowers it; key nouns are left out there, a paraphrase may bring new ones).
 */
public record FactsCheck(double minRecall, double minPrecision) implements OutputCheck {
    public static final String REASON = "facts";
    public static final double DEFAULT_MIN_RECALL = 0.75;
    public static final double DEFAULT_MIN_PRECISION = 1.0;
    static final int KEY_NOUN_LENGTH = 6;
    static final int STEM = 5;

    /** The facts of one text. */
    public record Facts(Set<String> numbers, Set<String> names, Set<String> nouns) {
        int size() {
            return numbers.size() + names.size() + nouns.size();
        }
    }

    /** What the comparison found. */
    public record Comparison(double recall, double precision, Set<String> missing, Set<String> unsupported) {
    }

    @Override
    public Optional<Rejection> check(ValidationSubject s) {
        Comparison c = compare(extract(s.source()), extract(s.output()));
        if (c.precision() < minPrecision) {
            return Optional.of(new Rejection(REASON, String.format(Locale.ROOT,
                    "%.0f%% of the output's numbers and names are in the source (limit %.0f%%); not in the source: %s",
                    c.precision() * 100, minPrecision * 100, shortList(c.unsupported())), c.precision(), minPrecision));
        }
        if (c.recall() < minRecall) {
            return Optional.of(new Rejection(REASON, String.format(Locale.ROOT,
                    "%.0f%% of the source's facts are in the output (limit %.0f%%); missing: %s",
                    c.recall() * 100, minRecall * 100, shortList(c.missing())), c.recall(), minRecall));
        }
        return Optional.empty();
    }

    public static Comparison compare(Facts source, Facts output) {
        Set<String> missing = new LinkedHashSet<>();
        int kept = 0;
        for (String n : source.numbers()) {
            if (output.numbers().contains(n)) {
                kept++;
            } else {
                missing.add(n);
            }
        }
        for (String n : source.names()) {
            if (output.names().contains(n)) {
                kept++;
            } else {
                missing.add(n);
            }
        }
        for (String n : source.nouns()) {
            if (output.nouns().contains(n)) {
                kept++;
            } else {
                missing.add(n);
            }
        }
        Set<String> unsupported = new LinkedHashSet<>();
        int supported = 0;
        for (String n : output.numbers()) {
            if (source.numbers().contains(n)) {
                supported++;
            } else {
                unsupported.add(n);
            }
        }
        for (String n : output.names()) {
            // a name the source has, or has as a plain word (a sentence-initial or lower-case use)
            if (source.names().contains(n) || source.nouns().contains(stem(n))) {
                supported++;
            } else {
                unsupported.add(n);
            }
        }
        int claims = output.numbers().size() + output.names().size();
        double recall = source.size() == 0 ? 1 : (double) kept / source.size();
        double precision = claims == 0 ? 1 : (double) supported / claims;
        return new Comparison(recall, precision, missing, unsupported);
    }

    private static String shortList(Set<String> items) {
        return items.stream().limit(5).toList() + (items.size() > 5 ? " and " + (items.size() - 5) + " more" : "");
    }

    private static final Pattern TOKEN = Pattern.compile("\\d[\\d,]*(?:\\.\\d+)?|[\\p{L}][\\p{L}'’-]*|[.!?;:]");
    private static final Map<String, Integer> UNITS = Map.ofEntries(
            Map.entry("two", 2), Map.entry("three", 3), Map.entry("four", 4), Map.entry("five", 5),
            Map.entry("six", 6), Map.entry("seven", 7), Map.entry("eight", 8), Map.entry("nine", 9), Map.entry("ten", 10),
            Map.entry("eleven", 11), Map.entry("twelve", 12), Map.entry("thirteen", 13), Map.entry("fourteen", 14),
            Map.entry("fifteen", 15), Map.entry("sixteen", 16), Map.entry("seventeen", 17), Map.entry("eighteen", 18),
            Map.entry("nineteen", 19), Map.entry("twenty", 20), Map.entry("thirty", 30), Map.entry("forty", 40),
            Map.entry("fifty", 50), Map.entry("sixty", 60), Map.entry("seventy", 70), Map.entry("eighty", 80),
            Map.entry("ninety", 90), Map.entry("dozen", 12));
    private static final Map<String, Integer> SCALES = Map.of("hundred", 100, "thousand", 1000, "million", 1_000_000);
    private static final Set<String> STOP = Set.of(("about above after again against among another around because before "
            + "being below between beyond could during either every first further having however itself little might "
            + "nearly never other others ought over quite rather really second should since still their theirs them "
            + "themselves there these thing things those though through throughout under until upon whatever when "
            + "where whether which while whose within without would years year later today which")
            .split(" "));

    /** The facts of a text: numbers, names, key nouns. */
    public static Facts extract(String text) {
        Set<String> numbers = new LinkedHashSet<>();
        Set<String> names = new LinkedHashSet<>();
        Set<String> nouns = new LinkedHashSet<>();
        List<String> tokens = TOKEN.matcher(text == null ? "" : text).results().map(m -> m.group()).toList();
        boolean sentenceStart = true;
        long spelled = -1;
        long scaleSum = 0;
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.length() == 1 && ".!?;:".contains(t)) {
                spelled = flush(numbers, spelled, scaleSum);
                scaleSum = 0;
                sentenceStart = !t.equals(";") && !t.equals(":") || sentenceStart;
                if (t.equals(";") || t.equals(":")) {
                    sentenceStart = false;
                }
                continue;
            }
            if (Character.isDigit(t.charAt(0))) {
                spelled = flush(numbers, spelled, scaleSum);
                scaleSum = 0;
                numbers.add(normaliseDigits(t));
                sentenceStart = false;
                continue;
            }
            String lower = t.toLowerCase(Locale.ROOT);
            // spelled numbers: "thirty-eight", "two hundred and forty", "four thousand"
            Long value = spelledValue(lower);
            if (value != null) {
                spelled = spelled < 0 ? value : spelled + value;
                sentenceStart = false;
                continue;
            }
            if (SCALES.containsKey(lower) && spelled >= 0) {
                long scale = SCALES.get(lower);
                if (scale >= 1000) {
                    scaleSum += spelled * scale;
                    spelled = 0;
                } else {
                    spelled = spelled * scale;
                }
                continue;
            }
            if (lower.equals("and") && spelled >= 0 && i + 1 < tokens.size() && spelledValue(tokens.get(i + 1).toLowerCase(Locale.ROOT)) != null) {
                continue;
            }
            spelled = flush(numbers, spelled, scaleSum);
            scaleSum = 0;
            String word = stripPossessive(t);
            boolean capital = Character.isUpperCase(word.charAt(0));
            boolean nextCapital = i + 1 < tokens.size() && Character.isUpperCase(tokens.get(i + 1).charAt(0));
            if (capital && (!sentenceStart || nextCapital) && word.length() > 1) {
                names.add(word.toLowerCase(Locale.ROOT));
            } else {
                String w = word.toLowerCase(Locale.ROOT);
                if (w.length() >= KEY_NOUN_LENGTH && !STOP.contains(w) && w.chars().allMatch(Character::isLetter)) {
                    nouns.add(stem(w));
                }
            }
            sentenceStart = false;
        }
        flush(numbers, spelled, scaleSum);
        // a name is also a key noun's spelling: keep each word once, as a name
        Set<String> nameStems = new HashSet<>();
        names.forEach(n -> nameStems.add(stem(n)));
        nouns.removeAll(nameStems);
        return new Facts(numbers, names, nouns);
    }

    private static long flush(Set<String> numbers, long spelled, long scaleSum) {
        if (spelled >= 0 || scaleSum > 0) {
            numbers.add(Long.toString(scaleSum + Math.max(0, spelled)));
        }
        return -1;
    }

    private static Long spelledValue(String lower) {
        if (UNITS.containsKey(lower)) {
            return (long) UNITS.get(lower);
        }
        int dash = lower.indexOf('-');
        if (dash > 0) {
            Integer tens = UNITS.get(lower.substring(0, dash));
            Integer units = UNITS.get(lower.substring(dash + 1));
            if (tens != null && units != null && tens >= 20 && units < 10) {
                return (long) tens + units;
            }
        }
        return null;
    }

    private static String normaliseDigits(String t) {
        String plain = t.replace(",", "");
        if (plain.endsWith(".")) {
            plain = plain.substring(0, plain.length() - 1);
        }
        Matcher m = Pattern.compile("^(\\d+)\\.0+$").matcher(plain);
        return m.matches() ? m.group(1) : plain;
    }

    private static String stripPossessive(String t) {
        String w = t;
        if (w.endsWith("'s") || w.endsWith("’s")) {
            w = w.substring(0, w.length() - 2);
        }
        while (!w.isEmpty() && (w.endsWith("'") || w.endsWith("’") || w.endsWith("-"))) {
            w = w.substring(0, w.length() - 1);
        }
        return w.isEmpty() ? t : w;
    }

    static String stem(String w) {
        return w.length() <= STEM ? w : w.substring(0, STEM);
    }
}
