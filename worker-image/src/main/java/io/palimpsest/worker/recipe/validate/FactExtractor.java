package io.palimpsest.worker.recipe.validate;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the facts of a text for {@link FactsCheck}: quantities (numbers and dates as values, with
 * the other values the same words state), names and key words. Source and output are read the same
 * way, so "38 m" and "thirty-eight metres", "two weeks" and "a fortnight", "a third" and "one in
 * three" agree.
 */
final class FactExtractor {
    static final int KEY_WORD_LENGTH = 4;
    static final int STEM = 5;

    /**
     * One number as the text states it. {@code values[0]} is the number written; further values are
     * what the same words also say in another unit ("nine decades": 9 and 90 years; "two weeks": 2
     * and 14 days). {@code unitTolerance} is how far a value read through a coarse unit may lie from
     * an exact one ("nine decades" is 85 to 95 years), {@code hedged} that the text says it is
     * approximate ("about", "almost", "some"), {@code multiplier} that it relates two quantities
     * ("twice that", "three times as many") rather than stating one.
     */
    record Quantity(double[] values, double unitTolerance, boolean hedged, boolean multiplier) {
        Quantity(double[] values, double unitTolerance, boolean hedged) {
            this(values, unitTolerance, hedged, false);
        }

        double value() {
            return values[0];
        }

        /** A year or a date's year: compared exactly, never rounded. */
        boolean yearLike() {
            return values.length == 1 && value() >= 1000 && value() <= 2100 && value() == Math.rint(value());
        }

        /** The same quantity as another: any value of one equal to any of the other. */
        boolean sameAs(Quantity other) {
            for (double a : values) {
                for (double b : other.values) {
                    if (Math.abs(a - b) < EPSILON) {
                        return true;
                    }
                }
            }
            return false;
        }

        String text() {
            return format(value());
        }
    }

    static final double EPSILON = 1e-9;

    /** The facts of a text or of one sentence. */
    record Facts(List<Quantity> quantities, Set<String> names, Set<String> keyWords) {
        /** The numbers written, as text ("1871", "2.3"). */
        Set<String> numbers() {
            Set<String> out = new LinkedHashSet<>();
            quantities.forEach(q -> out.add(q.text()));
            return out;
        }
    }

    private static final Pattern TOKEN = Pattern.compile("\\d[\\d,]*(?:\\.\\d+)?%?|[\\p{L}][\\p{L}'’]*|[.!?;:]");
    private static final Map<String, Integer> UNITS = Map.ofEntries(
            Map.entry("two", 2),
            Map.entry("three", 3),
            Map.entry("four", 4),
            Map.entry("five", 5),
            Map.entry("six", 6),
            Map.entry("seven", 7),
            Map.entry("eight", 8),
            Map.entry("nine", 9),
            Map.entry("ten", 10),
            Map.entry("eleven", 11),
            Map.entry("twelve", 12),
            Map.entry("thirteen", 13),
            Map.entry("fourteen", 14),
            Map.entry("fifteen", 15),
            Map.entry("sixteen", 16),
            Map.entry("seventeen", 17),
            Map.entry("eighteen", 18),
            Map.entry("nineteen", 19),
            Map.entry("twenty", 20),
            Map.entry("thirty", 30),
            Map.entry("forty", 40),
            Map.entry("fifty", 50),
            Map.entry("sixty", 60),
            Map.entry("seventy", 70),
            Map.entry("eighty", 80),
            Map.entry("ninety", 90));
    private static final Map<String, Integer> SCALES =
            Map.of("hundred", 100, "thousand", 1000, "million", 1_000_000, "billion", 1_000_000_000);
    /** Words that are a number on their own: "twice a day" is two a day. */
    private static final Map<String, Integer> MULTIPLES =
            Map.of("twice", 2, "thrice", 3, "double", 2, "doubled", 2, "triple", 3, "tripled", 3);
    /** Nouns that count when an article or a number precedes them: "a pair of", "two dozen". */
    private static final Map<String, Integer> COUNT_NOUNS =
            Map.of("pair", 2, "couple", 2, "dozen", 12, "dozens", 12, "score", 20);
    /** Fractions, read as per cent ("half" and "fifty per cent" agree); their multiples by a preceding number. */
    private static final Map<String, Double> FRACTIONS = Map.of(
            "half",
            50.0,
            "halves",
            50.0,
            "third",
            100 / 3.0,
            "thirds",
            100 / 3.0,
            "quarter",
            25.0,
            "quarters",
            25.0,
            "fifth",
            20.0,
            "fifths",
            20.0,
            "tenth",
            10.0,
            "tenths",
            10.0);
    /** Fractions that are also ordinals ("the third bridge"): a fraction only after an article or a number. */
    private static final Set<String> ORDINAL_FRACTIONS = Set.of("third", "fifth", "tenth");
    /**
     * Units one value can also be read in: {factor, tolerance}. Weeks are days; decades and
     * centuries are years, given to the nearest half unit ("almost nine decades" for 87 years).
     */
    private static final Map<String, double[]> UNIT_WORDS = Map.ofEntries(
            Map.entry("week", new double[] {7, 0}), Map.entry("weeks", new double[] {7, 0}),
            Map.entry("fortnight", new double[] {14, 0}), Map.entry("fortnights", new double[] {14, 0}),
            Map.entry("decade", new double[] {10, 5}), Map.entry("decades", new double[] {10, 5}),
            Map.entry("century", new double[] {100, 50}), Map.entry("centuries", new double[] {100, 50}),
            Map.entry("millennium", new double[] {1000, 500}), Map.entry("millennia", new double[] {1000, 500}));
    /** A fortnight is also two weeks. */
    private static final double FORTNIGHT_WEEKS = 2;
    /** Words before a unit that make it one of it: "the last century". */
    private static final Set<String> ONE_OF = Set.of("last", "past", "previous", "next", "coming");

    private static final Set<String> HEDGES = Set.of(
            "about",
            "around",
            "roughly",
            "nearly",
            "almost",
            "some",
            "approximately",
            "over",
            "under",
            "than",
            "like",
            "close",
            "region",
            "towards",
            "circa",
            "perhaps");
    /** Function and time words: no fact of their own, however long. */
    static final Set<String> STOP = Set.of(("about above across after again against along also although among another "
                    + "around away back because been before behind being below beneath beside besides between beyond both could "
                    + "does doing done down during each either else even ever every first from further gave give given gives "
                    + "going have having here hers herself himself however into itself just last least less like little made "
                    + "make makes many might more most much must near nearly never next none once only onto other others ought "
                    + "over quite rather really same second several shall should since some something still such than that "
                    + "their theirs them themselves then there these they thing things third this those though through "
                    + "throughout thus together took toward towards under until upon very want well were what whatever when "
                    + "where whether which while whom whose will with within without would year years later today your yours "
                    + "time times take takes taken")
            .split(" "));
    /** Words that open sentences capitalised without being names, even before a name ("In March", "From Ruda"). */
    private static final Set<String> OPENERS =
            Set.of(("a an the in on at by for from to of with into onto after before since "
                            + "during until when while once each every its it this that these those their his her our there here then "
                            + "today now later some many most all both over under about around near across through one two")
                    .split(" "));

    private FactExtractor() {}

    static Facts extract(String text) {
        List<String> tokens = TOKEN.matcher(text == null ? "" : text)
                .results()
                .map(m -> m.group())
                .toList();
        List<Quantity> quantities = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        Set<String> keyWords = new LinkedHashSet<>();
        boolean sentenceStart = true;
        int i = 0;
        while (i < tokens.size()) {
            String t = tokens.get(i);
            if (t.length() == 1 && ".!?;:".contains(t)) {
                sentenceStart = ".!?".contains(t);
                i++;
                continue;
            }
            int[] end = new int[1];
            Double number = readNumber(tokens, i, end);
            if (number != null) {
                quantities.add(quantity(tokens, i, end, number));
                sentenceStart = false;
                i = end[0];
                continue;
            }
            String lower = lower(t);
            Quantity word = wordQuantity(tokens, i);
            if (word != null) {
                quantities.add(word);
            } else {
                boolean capital = Character.isUpperCase(t.charAt(0));
                boolean nextCapital = i + 1 < tokens.size()
                        && Character.isUpperCase(tokens.get(i + 1).charAt(0));
                boolean opener = sentenceStart && OPENERS.contains(lower);
                if (capital && (!sentenceStart || nextCapital) && !opener && t.length() > 1) {
                    names.add(nameForm(t));
                } else {
                    String w = nameForm(t);
                    if (w.length() >= KEY_WORD_LENGTH
                            && !STOP.contains(w)
                            && w.chars().allMatch(Character::isLetter)) {
                        keyWords.add(stem(w));
                    }
                }
            }
            sentenceStart = false;
            i++;
        }
        return new Facts(quantities, names, keyWords);
    }

    /**
     * A number at {@code at}: digits, or spelled words ("one hundred and eighty thousand"); "one" and
     * "a" only count before a scale, where they cannot be a pronoun or an article.
     */
    private static Double readNumber(List<String> tokens, int at, int[] end) {
        String first = tokens.get(at);
        if (Character.isDigit(first.charAt(0))) {
            end[0] = at + 1;
            return parseDigits(first);
        }
        long total = 0;
        long current = -1;
        int i = at;
        while (i < tokens.size()) {
            String w = lower(tokens.get(i));
            String next = i + 1 < tokens.size() ? lower(tokens.get(i + 1)) : "";
            if (UNITS.containsKey(w)) {
                current = Math.max(0, current) + UNITS.get(w);
            } else if (w.equals("one") && current >= 20 && current < 100 && current % 10 == 0) { // "thirty-one"
                current += 1;
            } else if ((w.equals("one") || w.equals("a")) && SCALES.containsKey(next)) {
                current = Math.max(0, current) + 1;
            } else if (SCALES.containsKey(w) && current >= 0) {
                long scale = SCALES.get(w);
                if (scale >= 1000) {
                    total += current * scale;
                    current = 0;
                } else {
                    current *= scale;
                }
            } else if (w.equals("and")
                    && current >= 0
                    && (UNITS.containsKey(next) || next.equals("one") || next.equals("a"))) {
                // "hundred and eighty"
            } else {
                break;
            }
            i++;
        }
        if (i == at || (current < 0 && total == 0)) {
            return null;
        }
        end[0] = i;
        return (double) (total + Math.max(0, current));
    }

    /** A number with what follows and precedes it: a unit it converts through, a fraction, a hedge. */
    private static Quantity quantity(List<String> tokens, int start, int[] endHolder, double value) {
        int end = endHolder[0];
        boolean hedged = hedged(tokens, start);
        String next = end < tokens.size() ? lower(tokens.get(end)) : "";
        String afterNext = end + 1 < tokens.size() ? lower(tokens.get(end + 1)) : "";
        if (tokens.get(start).endsWith("%")
                || next.equals("percent")
                || (next.equals("per") && afterNext.equals("cent"))) {
            return new Quantity(new double[] {value}, 0, hedged);
        }
        if (FRACTIONS.containsKey(next)) { // "two thirds", "three quarters"
            endHolder[0] = end + 1;
            return new Quantity(new double[] {Math.round(value * FRACTIONS.get(next))}, 0, hedged);
        }
        if (COUNT_NOUNS.containsKey(next) && !next.startsWith("couple") && !next.equals("pair")) { // "two dozen"
            endHolder[0] = end + 1;
            return new Quantity(new double[] {value, value * COUNT_NOUNS.get(next)}, 0, hedged);
        }
        if (next.equals("times")) { // "three times as many": a relation, like "twice"
            return new Quantity(new double[] {value}, 0, hedged, true);
        }
        if (UNIT_WORDS.containsKey(next)) {
            double[] unit = UNIT_WORDS.get(next);
            double[] values = next.startsWith("fortnight")
                    ? new double[] {value, value * FORTNIGHT_WEEKS, value * unit[0]}
                    : new double[] {value, value * unit[0]};
            return new Quantity(values, unit[1] * value > 0 ? unit[1] : 0, hedged);
        }
        // "one hive in three": a share, as per cent
        if (start >= 2 && lower(tokens.get(start - 1)).equals("in") && value > 1) {
            for (int back = start - 2; back >= Math.max(0, start - 4); back--) {
                if (lower(tokens.get(back)).equals("one")) {
                    return new Quantity(new double[] {Math.round(100 / value), value}, 0, hedged);
                }
            }
        }
        return new Quantity(new double[] {value}, 0, hedged);
    }

    /** A word that is a number without digits or a spelled number: "twice", "a pair", "a third", "a fortnight". */
    private static Quantity wordQuantity(List<String> tokens, int at) {
        String w = lower(tokens.get(at));
        String previous = at > 0 ? lower(tokens.get(at - 1)) : "";
        boolean counted = previous.equals("a") || previous.equals("an") || previous.equals("one");
        boolean hedged = hedged(tokens, at);
        if (MULTIPLES.containsKey(w)) {
            return new Quantity(new double[] {MULTIPLES.get(w)}, 0, hedged, true);
        }
        if (COUNT_NOUNS.containsKey(w) && counted) {
            String next = at + 1 < tokens.size() ? lower(tokens.get(at + 1)) : "";
            if (!w.equals("score") || next.equals("of")) {
                return new Quantity(new double[] {COUNT_NOUNS.get(w)}, 0, hedged);
            }
        }
        if (FRACTIONS.containsKey(w) && (counted || !ORDINAL_FRACTIONS.contains(w))) {
            return new Quantity(new double[] {Math.round(FRACTIONS.get(w))}, 0, hedged);
        }
        // "a decade", "the last century": one of the unit
        boolean oneOf = counted || ONE_OF.contains(previous);
        if (UNIT_WORDS.containsKey(w) && oneOf && !w.startsWith("week") && !w.endsWith("s") && !w.equals("millennia")) {
            double[] unit = UNIT_WORDS.get(w);
            double[] values =
                    w.startsWith("fortnight") ? new double[] {unit[0], FORTNIGHT_WEEKS} : new double[] {unit[0]};
            return new Quantity(values, unit[1], hedged);
        }
        return null;
    }

    private static boolean hedged(List<String> tokens, int start) {
        for (int back = start - 1; back >= Math.max(0, start - 2); back--) {
            if (HEDGES.contains(lower(tokens.get(back)))) {
                return true;
            }
        }
        return false;
    }

    private static Double parseDigits(String t) {
        String plain = t.replace(",", "").replace("%", "");
        if (plain.endsWith(".")) {
            plain = plain.substring(0, plain.length() - 1);
        }
        try {
            return Double.parseDouble(plain);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    private static String lower(String t) {
        return t.toLowerCase(Locale.ROOT);
    }

    /** Every word of a text in name form: where a name may also appear (sentence-initial, lower case). */
    static Set<String> words(String text) {
        Set<String> out = new LinkedHashSet<>();
        TOKEN.matcher(text == null ? "" : text)
                .results()
                .map(m -> m.group())
                .filter(t -> Character.isLetter(t.charAt(0)))
                .forEach(t -> out.add(nameForm(t)));
        return out;
    }

    /** Lower case, possessive and a plural s dropped: "Aldanes", "Aldane's" and "aldane" meet. */
    static String nameForm(String t) {
        String w = lower(t);
        if (w.endsWith("'s") || w.endsWith("’s")) {
            w = w.substring(0, w.length() - 2);
        }
        while (w.endsWith("'") || w.endsWith("’")) {
            w = w.substring(0, w.length() - 1);
        }
        if (w.length() > 4 && w.endsWith("s") && !w.endsWith("ss")) {
            w = w.substring(0, w.length() - 1);
        }
        return w.isEmpty() ? lower(t) : w;
    }

    static String stem(String w) {
        return w.length() <= STEM ? w : w.substring(0, STEM);
    }
}
