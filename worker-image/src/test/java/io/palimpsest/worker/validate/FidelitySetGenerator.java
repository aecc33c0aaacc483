package io.palimpsest.worker.validate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the labelled fidelity set ({@code quality/fidelity-set.jsonl}) from the hand-written facts:
 * faithful rewrites, and rewrites that read as well but are wrong on one fact: a number changed,
 * a name swapped for one from another topic, a fact left out. Every defect is a faithful rewrite
 * of the same kind with one edit, so only a check that compares facts can tell them apart.
 * Deterministic (fixed seed): {@code java ... FidelitySetGenerator worker-image/src/test/resources/quality/fidelity-set.jsonl}.
 * With a seed as second argument it writes another set from the same facts, other passages and
 * other edits: the held-out set ({@link #HELD_OUT_SEED}), on which the validator was not tuned.
 */
public final class FidelitySetGenerator {
    static final long SEED = 20261204L;
    /** The held-out set's seed: passages and edits both drawn from it. */
    static final long HELD_OUT_SEED = 20261205L;

    static final int FAITHFUL = 300;
    static final int PER_DEFECT = 150;

    /** Capitalised words inside a sentence, joined when adjacent: the names a rewrite may swap. */
    static final Pattern NAME = Pattern.compile("(?<=[a-z,;] )[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*");

    static final Pattern DIGITS = Pattern.compile("\\b\\d[\\d,]*(?:\\.\\d+)?\\b");
    static final List<String> SPELLED = List.of(
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "fifteen",
            "eighteen",
            "twenty",
            "thirty",
            "forty",
            "fifty",
            "sixty",
            "eighty");
    static final Pattern SPELLED_WORD =
            Pattern.compile("\\b(" + String.join("|", SPELLED) + ")\\b", Pattern.CASE_INSENSITIVE);

    private final EvaluationSetGenerator passages;
    private final Random random;
    private final ObjectMapper json = new ObjectMapper();
    private final List<ObjectNode> records = new ArrayList<>();
    private final List<String> allNames = new ArrayList<>();

    FidelitySetGenerator(EvaluationFacts facts) {
        this(facts, new EvaluationSetGenerator(facts), new Random(SEED));
    }

    /** Another set from the same facts: passages, rewrites and edits all drawn from {@code seed}. */
    FidelitySetGenerator(EvaluationFacts facts, long seed) {
        this(facts, new EvaluationSetGenerator(facts, seed), new Random(seed + 1));
    }

    private FidelitySetGenerator(EvaluationFacts facts, EvaluationSetGenerator passages, Random random) {
        this.passages = passages;
        this.random = random;
        Set<String> names = new LinkedHashSet<>();
        for (EvaluationFacts.Topic t : facts.topics()) {
            for (EvaluationFacts.Fact f : t.facts()) {
                Matcher m = NAME.matcher(f.get("S"));
                while (m.find()) {
                    names.add(t.name() + "\t" + m.group());
                }
            }
        }
        allNames.addAll(names);
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "worker-image/src/test/resources/quality/fidelity-set.jsonl");
        EvaluationFacts facts = EvaluationFacts.load();
        List<ObjectNode> records = (args.length > 1
                        ? new FidelitySetGenerator(facts, Long.parseLong(args[1]))
                        : new FidelitySetGenerator(facts))
                .generate();
        ObjectMapper json = new ObjectMapper();
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (ObjectNode r : records) {
                w.write(json.writeValueAsString(r));
                w.write('\n');
            }
        }
        System.err.println(records.size() + " records -> " + out);
    }

    List<ObjectNode> generate() {
        EvaluationSetGenerator.Style[] styles = EvaluationSetGenerator.Style.values();
        for (int i = 0; i < FAITHFUL; i++) {
            EvaluationSetGenerator.Passage p = passages.passage(null, 3, 8);
            add("faithful-" + i, "faithful", p.source(), passages.faithful(p, styles[i % 3]));
        }
        for (int i = 0; i < PER_DEFECT; ) {
            EvaluationSetGenerator.Passage p = passages.passage(null, 3, 8);
            String changed = changeNumber(passages.faithful(p, styles[i % 3]));
            if (changed != null) {
                add("changed-number-" + i, "changed_number", p.source(), changed);
                i++;
            }
        }
        for (int i = 0; i < PER_DEFECT; ) {
            EvaluationSetGenerator.Passage p = passages.passage(null, 3, 8);
            String swapped = swapName(p.topic().name(), passages.faithful(p, styles[i % 3]));
            if (swapped != null) {
                add("swapped-name-" + i, "swapped_name", p.source(), swapped);
                i++;
            }
        }
        for (int i = 0; i < PER_DEFECT; i++) {
            EvaluationSetGenerator.Passage p = passages.passage(null, 3, 8);
            int dropped = random.nextInt(p.facts().size());
            List<EvaluationFacts.Fact> kept = new ArrayList<>(p.facts());
            List<String> keys = new ArrayList<>(p.sourceKeys());
            kept.remove(dropped);
            keys.remove(dropped);
            EvaluationSetGenerator.Passage shorter = new EvaluationSetGenerator.Passage(p.topic(), kept, keys);
            add("dropped-fact-" + i, "dropped_fact", p.source(), passages.faithful(shorter, styles[i % 3]));
        }
        return records;
    }

    /** One number changed: digits moved by a plausible amount, or a spelled number replaced by another. */
    String changeNumber(String text) {
        List<int[]> spans = new ArrayList<>();
        Matcher d = DIGITS.matcher(text);
        while (d.find()) {
            spans.add(new int[] {d.start(), d.end(), 0});
        }
        Matcher w = SPELLED_WORD.matcher(text);
        while (w.find()) {
            spans.add(new int[] {w.start(), w.end(), 1});
        }
        if (spans.isEmpty()) {
            return null;
        }
        int[] at = spans.get(random.nextInt(spans.size()));
        String old = text.substring(at[0], at[1]);
        String replacement;
        if (at[2] == 0) {
            String plain = old.replace(",", "");
            if (plain.contains(".")) {
                double v = Double.parseDouble(plain);
                replacement = String.format(
                        Locale.ROOT, "%.1f", v + 0.1 * (1 + random.nextInt(9)) * (random.nextBoolean() ? 1 : -1));
            } else {
                long v = Long.parseLong(plain);
                long delta = v >= 1000 && v <= 2100
                        ? 1 + random.nextInt(30)
                        : Math.max(1, Math.round(v * (0.1 + 0.4 * random.nextDouble())));
                long changed = random.nextBoolean() || v - delta <= 0 ? v + delta : v - delta;
                replacement = Long.toString(changed);
            }
        } else {
            String lower = old.toLowerCase(Locale.ROOT);
            String other;
            do {
                other = SPELLED.get(random.nextInt(SPELLED.size()));
            } while (other.equals(lower));
            replacement = Character.isUpperCase(old.charAt(0))
                    ? Character.toUpperCase(other.charAt(0)) + other.substring(1)
                    : other;
        }
        return text.substring(0, at[0]) + replacement + text.substring(at[1]);
    }

    /** One name (every mention of it) replaced by a name from another topic. */
    String swapName(String topic, String text) {
        List<String> names = new ArrayList<>();
        Matcher m = NAME.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        if (names.isEmpty()) {
            return null;
        }
        String old = names.get(random.nextInt(names.size()));
        String other;
        do {
            String[] entry = allNames.get(random.nextInt(allNames.size())).split("\t");
            other = entry[0].equals(topic) ? null : entry[1];
        } while (other == null || other.equals(old));
        return text.replace(old, other);
    }

    private void add(String id, String defect, String source, String output) {
        ObjectNode r = json.createObjectNode();
        r.put("id", id);
        r.put("defect", defect);
        r.put("source", source);
        r.put("output", output);
        r.put("finish_reason", "stop");
        records.add(r);
    }
}
