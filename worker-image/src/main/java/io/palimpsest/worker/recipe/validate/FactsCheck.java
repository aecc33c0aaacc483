package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.validate.FactExtractor.Facts;
import io.palimpsest.worker.recipe.validate.FactExtractor.Quantity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * read from both texts the same way by {@link FactExtractor}: numbers and dates as values (with
 * what unit words and fractions also say), names, and key words.
 * <p>
 * <b>Recall</b>: the share of the source's statements (sentences) the output keeps. Each output
 * sentence is set against each statement by the facts they share, each fact weighed by how few
 * statements have it (a number or name {@link #FACT_WEIGHT} times a key word); a statement is kept
 * by an output sentence that holds at least {@link #MIN_SUPPORT} of it, where it is a main part of
 * what the sentence says (at least {@link #MIN_SHARE} of the sentence's best-matching statement) or
 * the sentence holds a good share of it ({@link #MIN_COVER} of its weight: two statements merged in
 * one sentence), so words of a dropped statement that come back inside a neighbour's paraphrase do
 * not keep it. The statements that are a main part of a sentence are the ones it renders.
 * <p>
 * <b>Precision</b>: the share of the output's numbers and names the source backs, each output
 * sentence read against the statements it renders. A number is backed when those statements state
 * it; when another statement does and the rendered ones lost none of their numbers (repeated, not
 * moved into the place of one); or when it follows from the rendered statements' numbers by one
 * simple step (a sum or difference of two, a span between years, the year after or before, twice,
 * half, ten, a hundred or a thousand times, a product) while the output keeps every number of the
 * source, a multiplier folded into its product aside ("twice that" as "800"): a derived number adds
 * to the source's numbers, a changed one takes the place of one of them. A name is backed when the
 * source has it anywhere; one name more is let through when no name of the statements its sentence
 * renders went missing (a rewrite naming what its source only refers to: "the workshop" as "the
 * Hartley workshop"), a name standing where one of theirs went missing never is.
 * <p>
 * Neither catches two names that trade places, or a fact turned into its opposite with the same
 * words: that is the judge's part.
 */
public record FactsCheck(double minRecall, double minPrecision) implements OutputCheck {
    public static final ItemReason REASON = ItemReason.FACTS;
    public static final double DEFAULT_MIN_RECALL = 1.0;
    public static final double DEFAULT_MIN_PRECISION = 1.0;
    /** Names an output may add while keeping every name of its source. */
    static final int ADDED_NAMES = 1;
    /** Relative rounding allowed for a derived number written as approximate ("about 800"). */
    static final double HEDGE_TOLERANCE = 0.05;
    /** A number or name counts this many key words: what a statement is about, seldom shared by chance. */
    static final double FACT_WEIGHT = 2.0;
    /** Least weight of a statement's facts one output sentence must hold to keep it. */
    static final double MIN_SUPPORT = 0.5;
    /** Least share of an output sentence's best match a statement must reach there to be kept by it. */
    static final double MIN_SHARE = 0.5;
    /** Or the least share of its own weight a statement must find in one output sentence (two statements merged in one). */
    static final double MIN_COVER = 0.25;

    /** What the comparison found. */
    public record Comparison(
            double recall,
            double precision,
            int sentences,
            int sentencesKept,
            List<String> droppedSentences,
            Set<String> unsupported,
            Set<String> lost) {}

    @Override
    public ItemReason reason() {
        return REASON;
    }

    /**
     * The share the check holds first: precision when it is under its limit (the failure it gives),
     * else recall; the note says both.
     */
    @Override
    public Measure measure(ValidationSubject s) {
        Comparison c = compare(s.source(), s.output());
        String note = String.format(
                Locale.ROOT,
                "recall %.2f (at least %.2f: %d of %d statements kept), precision %.2f (at least %.2f)",
                c.recall(),
                minRecall,
                c.sentencesKept(),
                c.sentences(),
                c.precision(),
                minPrecision);
        return c.precision() < minPrecision
                ? new Measure(c.precision(), minPrecision, null, note)
                : new Measure(c.recall(), minRecall, null, note);
    }

    @Override
    public Optional<CheckFailure> check(ValidationSubject s) {
        Comparison c = compare(s.source(), s.output());
        if (c.precision() < minPrecision) {
            String lost = c.lost().isEmpty() ? "" : "; the source's " + shortList(c.lost()) + " not in the output";
            return Optional.of(new CheckFailure(
                    REASON,
                    String.format(
                            Locale.ROOT,
                            "%.0f%% of the output's numbers and names are backed by the source (limit %.0f%%); not backed: %s%s",
                            c.precision() * 100,
                            minPrecision * 100,
                            shortList(c.unsupported()),
                            lost),
                    c.precision(),
                    minPrecision));
        }
        if (c.recall() < minRecall) {
            return Optional.of(new CheckFailure(
                    REASON,
                    String.format(
                            Locale.ROOT,
                            "%d of the source's %d statements are in the output (%.0f%%, limit %.0f%%); dropped: %s",
                            c.sentencesKept(),
                            c.sentences(),
                            c.recall() * 100,
                            minRecall * 100,
                            shortList(new LinkedHashSet<>(c.droppedSentences()))),
                    c.recall(),
                    minRecall));
        }
        return Optional.empty();
    }

    /** The facts of a text: numbers, names, key words. */
    static Facts extract(String text) {
        return FactExtractor.extract(text);
    }

    public static Comparison compare(String source, String output) {
        Facts src = FactExtractor.extract(source);
        Facts out = FactExtractor.extract(output);
        Set<String> sourceWords = FactExtractor.words(source);
        Set<String> outputWords = FactExtractor.words(output);

        // recall: statements aligned to output sentences
        List<String> sentences = sentences(source);
        List<Facts> statements = sentences.stream().map(FactExtractor::extract).toList();
        List<Set<String>> statementFacts = new ArrayList<>();
        Map<String, Integer> seenIn = new HashMap<>();
        for (Facts f : statements) {
            Set<String> facts = statementFacts(f);
            statementFacts.add(facts);
            facts.forEach(k -> seenIn.merge(k, 1, Integer::sum));
        }
        List<String> outputSentences = sentences(output);
        List<Facts> outputStatements =
                outputSentences.stream().map(FactExtractor::extract).toList();
        List<Set<String>> offered = new ArrayList<>();
        for (int j = 0; j < outputSentences.size(); j++) {
            offered.add(outputFacts(outputSentences.get(j), outputStatements.get(j)));
        }
        double[][] support = new double[sentences.size()][offered.size()];
        double[] best = new double[offered.size()];
        double[] total = new double[sentences.size()];
        for (int i = 0; i < sentences.size(); i++) {
            for (String f : statementFacts.get(i)) {
                total[i] += (f.startsWith("~") ? 1.0 : FACT_WEIGHT) / seenIn.get(f);
            }
            for (int j = 0; j < offered.size(); j++) {
                double sum = 0;
                for (String f : statementFacts.get(i)) {
                    if (offered.get(j).contains(f)) {
                        sum += (f.startsWith("~") ? 1.0 : FACT_WEIGHT) / seenIn.get(f);
                    }
                }
                support[i][j] = sum;
                best[j] = Math.max(best[j], sum);
            }
        }
        int anchored = 0;
        int kept = 0;
        List<String> dropped = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            if (statementFacts.get(i).isEmpty()) {
                continue; // nothing to look for
            }
            anchored++;
            boolean found = false;
            for (int j = 0; j < offered.size() && !found; j++) {
                found = keeps(support[i][j], best[j], total[i]);
            }
            if (found) {
                kept++;
            } else {
                dropped.add(abbreviate(sentences.get(i)));
            }
        }
        double recall = anchored == 0 ? 1 : (double) kept / anchored;

        // precision: numbers, each against the statements its sentence renders
        Map<String, Quantity> outNumbers = distinct(out.quantities());
        Map<String, Quantity> srcNumbers = distinct(src.quantities());
        Set<String> lostNumbers = new LinkedHashSet<>();
        srcNumbers.values().stream()
                .filter(q -> outNumbers.values().stream().noneMatch(q::sameAs))
                .forEach(q -> lostNumbers.add(q.text()));
        Set<String> unsupported = new LinkedHashSet<>();
        Set<String> lost = new LinkedHashSet<>();
        for (int j = 0; j < outputSentences.size(); j++) {
            List<Integer> rendered = rendered(support, best, j);
            Map<String, Quantity> local = new LinkedHashMap<>();
            rendered.forEach(i -> local.putAll(distinct(statements.get(i).quantities())));
            Set<String> localLost = new LinkedHashSet<>(local.keySet());
            localLost.retainAll(lostNumbers);
            for (Quantity q : outputStatements.get(j).quantities()) {
                if (local.values().stream().anyMatch(q::sameAs)) {
                    continue;
                }
                boolean inSource = srcNumbers.values().stream().anyMatch(q::sameAs);
                boolean ok = inSource
                        // a number of another statement, moved here in place of one of this statement's
                        ? localLost.isEmpty()
                        : derived(q, rendered.isEmpty() ? srcNumbers : local, lostNumbers, srcNumbers);
                if (!ok) {
                    unsupported.add(q.text());
                    lost.addAll(inSource ? localLost : lostNumbers);
                }
            }
        }

        // precision: names, in any position or case in the source (a sentence-initial or lower-case use)
        Set<String> lostNames = new LinkedHashSet<>(src.names());
        lostNames.removeIf(outputWords::contains);
        List<String> added = new ArrayList<>();
        for (int j = 0; j < outputSentences.size(); j++) {
            List<String> newNames = outputStatements.get(j).names().stream()
                    .filter(n -> !src.names().contains(n) && !sourceWords.contains(n))
                    .toList();
            if (newNames.isEmpty()) {
                continue;
            }
            // a new name where the statement this sentence renders lost one of its names took its place
            List<Integer> rendered = rendered(support, best, j);
            boolean aligned = !rendered.isEmpty();
            boolean replaces = rendered.stream()
                    .anyMatch(i -> statements.get(i).names().stream().anyMatch(lostNames::contains));
            if (replaces || (!aligned && !lostNames.isEmpty())) {
                unsupported.addAll(newNames);
                lost.addAll(lostNames);
            } else {
                newNames.stream().filter(n -> !added.contains(n)).forEach(added::add);
            }
        }
        if (added.size() > ADDED_NAMES) {
            unsupported.addAll(added);
        }
        int claims = outNumbers.size() + out.names().size();
        double precision = claims == 0 ? 1 : Math.max(0, (double) (claims - unsupported.size()) / claims);
        return new Comparison(recall, precision, anchored, kept, dropped, unsupported, lost);
    }

    /**
     * An output sentence keeps a statement: enough of its facts, and either a main part of what the
     * sentence says or a good share of the statement (a sentence that merges two statements).
     */
    private static boolean keeps(double support, double best, double total) {
        return support >= MIN_SUPPORT && (support >= MIN_SHARE * best || support >= MIN_COVER * total);
    }

    /** Each number once, by its written value. */
    private static Map<String, Quantity> distinct(List<Quantity> quantities) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        quantities.forEach(q -> out.putIfAbsent(q.text(), q));
        return out;
    }

    /**
     * The statements output sentence {@code j} renders: the ones that are a main part of it (a
     * statement merged in with a small share is not, so a number moved into its place is judged
     * against the main one).
     */
    private static List<Integer> rendered(double[][] support, double[] best, int j) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < support.length; i++) {
            if (support[i][j] >= MIN_SUPPORT && support[i][j] >= MIN_SHARE * best[j]) {
                out.add(i);
            }
        }
        return out;
    }

    /**
     * One simple step from the numbers of the statements a sentence renders: a sum, a difference or
     * span, the next or previous year, a ratio (2, 10, 100, 1000), a product. Only while the output
     * keeps every number of the source, except a multiplier folded into its product ("twice that"
     * as "800"): a changed number takes the place of one of the source's and is never excused.
     */
    static boolean derived(
            Quantity q, Map<String, Quantity> operandsByText, Set<String> lost, Map<String, Quantity> source) {
        boolean onlyMultipliersLost = lost.stream().allMatch(t -> source.get(t).multiplier());
        if (!onlyMultipliersLost) {
            return false;
        }
        List<Quantity> operands = new ArrayList<>(operandsByText.values());
        for (int a = 0; a < operands.size(); a++) {
            Quantity qa = operands.get(a);
            for (double v : qa.values()) {
                if (lost.isEmpty()) {
                    for (double ratio : RATIOS) {
                        if (matches(q, v * ratio) || matches(q, v / ratio)) {
                            return true;
                        }
                    }
                    if (qa.yearLike() && (matches(q, v + 1) || matches(q, v - 1))) {
                        return true;
                    }
                }
                for (int b = a + 1; b < operands.size(); b++) {
                    Quantity qb = operands.get(b);
                    for (double w : qb.values()) {
                        if (lost.isEmpty() && (matches(q, v + w) || matches(q, Math.abs(v - w)))) {
                            return true;
                        }
                        boolean folds = lost.stream().allMatch(t -> t.equals(qa.text()) || t.equals(qb.text()));
                        if (folds && isCount(v) && isCount(w) && matches(q, v * w)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static final double[] RATIOS = {2, 10, 100, 1000};

    private static boolean isCount(double v) {
        return v >= 2 && v == Math.rint(v);
    }

    private static boolean matches(Quantity q, double candidate) {
        for (double v : q.values()) {
            double tolerance = Math.max(
                    q.unitTolerance(), q.hedged() && !q.yearLike() ? HEDGE_TOLERANCE * Math.abs(candidate) : 0);
            if (Math.abs(v - candidate) <= Math.max(tolerance, 1e-9)) {
                return true;
            }
        }
        return false;
    }

    /** A source statement's facts, tagged by kind so a number and a word never meet. */
    private static Set<String> statementFacts(Facts f) {
        Set<String> out = new LinkedHashSet<>();
        f.quantities().forEach(q -> out.add("#" + q.text()));
        f.names().forEach(n -> out.add("@" + n));
        f.keyWords().forEach(n -> out.add("~" + n));
        return out;
    }

    /** What an output sentence offers: every value its numbers state, and each word as a name and as a key word. */
    private static Set<String> outputFacts(String sentence, Facts f) {
        Set<String> out = new LinkedHashSet<>();
        for (Quantity q : f.quantities()) {
            for (double v : q.values()) {
                out.add("#" + FactExtractor.format(v));
            }
        }
        for (String w : FactExtractor.words(sentence)) {
            out.add("@" + w);
            out.add("~" + FactExtractor.stem(w));
        }
        return out;
    }

    private static String abbreviate(String sentence) {
        String s = sentence.strip();
        return s.length() <= 60 ? "\"" + s + "\"" : "\"" + s.substring(0, 57) + "...\"";
    }

    private static String shortList(Set<String> items) {
        return items.stream().limit(5).toList() + (items.size() > 5 ? " and " + (items.size() - 5) + " more" : "");
    }

    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+|\\n\\s*\\n");

    static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String s : SENTENCE_END.split(text == null ? "" : text)) {
            if (!s.isBlank()) {
                out.add(s);
            }
        }
        return out;
    }
}
