package io.palimpsest.worker.validate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.recipe.TextMeasures;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the labelled evaluation set of {@code palimpsest validate} from the hand-written facts:
 * faithful rewrites (every fact kept, each in a different phrasing than the source's, length 0.6x to
 * 1.6x in words) and one sample per defect class and passage. Deterministic: the seed is fixed, so
 * the checked-in file is reproduced byte for byte by
 * {@code java ... EvaluationSetGenerator worker-image/src/test/resources/quality/eval-set.jsonl}.
 */
public final class EvaluationSetGenerator {
    static final long SEED = 20261125L;
    static final int SOURCES = 160;
    static final int SECOND_FAITHFUL = 60;
    static final int PER_DEFECT = 120;
    static final double MIN_RATIO = 0.6;
    static final double MAX_RATIO = 1.6;

    private static final String[] LEAD_INS = {
        "Sure! Here's a rewritten version of the passage:",
        "Certainly. Here is the text rewritten in clearer language:",
        "Here is the paraphrase you asked for:",
        "Of course! Below is the rephrased passage.",
        "Okay, here's my rewrite:",
        "I have rewritten the passage below:",
        "Absolutely, here's a version in simpler words:",
        "Here's the rewritten text:",
        "Sure, here you go:",
        "Great, here is a clearer version of the text:",
        "Here is the passage in my own words:",
        "Certainly! I've rephrased the text while keeping every fact:",
    };
    private static final String[] REFUSALS = {
        "I'm sorry, but I can't help with rewriting this text.",
        "As an AI language model, I cannot reproduce or alter documents of this kind.",
        "I cannot rewrite this passage because it may contain copyrighted material.",
        "I apologize, but I am unable to complete this request.",
        "I'm afraid, but I won't rewrite content like this. Please provide a different text.",
        "As a language model, I do not have the ability to verify these facts, so I will not rewrite them.",
        "I am unable to help with that. If you have another question, feel free to ask.",
        "This request violates my guidelines, so I must decline.",
        "I'm sorry, but I cannot assist with this task.",
        "As an AI model, I can't process this text.",
    };
    /** Boilerplate that wraps an otherwise usable rewrite: still not training text. */
    private static final String[] BOILERPLATE_LEADS = {
        "As an AI language model, I do not have personal experience of this place, but here is the text: ",
        "As an AI model I cannot check these facts; the rewrite follows. ",
        "I'm sorry, but I can only offer a rough version: ",
    };
    /** Single-word swaps for near copies: a model that changes a word or two has still copied. */
    private static final String[][] SWAPS = {
        {" the ", " a "},
        {" about ", " around "},
        {" was ", " is "},
        {" and ", " & "},
        {" on ", " upon "},
        {" in ", " within "},
        {" by ", " through "},
        {" from ", " out of "},
    };

    private final EvaluationFacts facts;
    private final Random random;
    private final ObjectMapper json = new ObjectMapper();
    private final List<ObjectNode> records = new ArrayList<>();

    /** A composed passage: which facts of which topic, and the phrasing the source used for each. */
    record Passage(EvaluationFacts.Topic topic, List<EvaluationFacts.Fact> facts, List<String> sourceKeys) {
        String source() {
            List<String> sentences = new ArrayList<>();
            for (int i = 0; i < facts.size(); i++) {
                sentences.add(facts.get(i).get(sourceKeys.get(i)));
            }
            return paragraphs(sentences);
        }
    }

    EvaluationSetGenerator(EvaluationFacts facts) {
        this(facts, SEED);
    }

    /** Another seed composes other passages and rewrites from the same facts (a held-out set). */
    EvaluationSetGenerator(EvaluationFacts facts, long seed) {
        this.facts = facts;
        this.random = new Random(seed);
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "worker-image/src/test/resources/quality/eval-set.jsonl");
        List<ObjectNode> records = new EvaluationSetGenerator(EvaluationFacts.load()).generate();
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
        List<Passage> sources = new ArrayList<>();
        for (int i = 0; i < SOURCES; i++) {
            sources.add(passage(null, 2, 8));
        }
        for (int i = 0; i < SOURCES; i++) {
            Passage p = sources.get(i);
            add(
                    "faithful-" + i,
                    "faithful",
                    p.source(),
                    faithful(p, Style.values()[i % 3]),
                    i % 4 == 0 ? null : "stop");
        }
        for (int i = 0; i < SECOND_FAITHFUL; i++) {
            Passage p = sources.get(i * SOURCES / SECOND_FAITHFUL);
            add("faithful-b" + i, "faithful", p.source(), faithful(p, Style.values()[(i + 1) % 3]), "stop");
        }
        for (int i = 0; i < PER_DEFECT; i++) {
            Passage p = passage(null, 2, 8);
            add("truncation-" + i, "truncation", p.source(), truncated(faithful(p, Style.PLAIN)), "length");
        }
        for (int i = 0; i < PER_DEFECT; i++) {
            Passage p = passage(null, 2, 8);
            add(
                    "truncation-unreported-" + i,
                    "truncation_unreported",
                    p.source(),
                    truncated(faithful(p, Style.PLAIN)),
                    null);
        }
        for (int i = 0; i < PER_DEFECT; i++) {
            Passage p = passage(null, 2, 8);
            add(
                    "repetition-" + i,
                    "repetition",
                    p.source(),
                    looping(faithful(p, Style.PLAIN), i),
                    i % 2 == 0 ? "length" : "stop");
        }
        for (int i = 0; i < PER_DEFECT; i++) {
            Passage p = passage(null, 2, 8);
            String separator =
                    switch (i % 3) {
                        case 0 -> "\n\n";
                        case 1 -> "\n";
                        default -> " ";
                    };
            String lead = LEAD_INS[i % LEAD_INS.length];
            if (separator.equals(" ") && !lead.endsWith(":")) {
                separator = "\n\n";
            }
            add("preamble-" + i, "preamble", p.source(), lead + separator + faithful(p, Style.PLAIN), "stop");
        }
        for (int i = 0; i < PER_DEFECT; i++) {
            Passage p = passage(null, 2, 8);
            String output = i % 4 == 3
                    ? BOILERPLATE_LEADS[(i / 4) % BOILERPLATE_LEADS.length] + faithful(p, Style.PLAIN)
                    : REFUSALS[i % REFUSALS.length];
            add("refusal-" + i, "refusal", p.source(), output, "stop");
        }
        for (int i = 0; i < PER_DEFECT; i++) {
            Passage p = passage(null, 2, 8);
            add("echo-" + i, "echo", p.source(), echo(p.source(), i), "stop");
        }
        List<EvaluationFacts.Topic> translated =
                facts.topics().stream().filter(t -> t.foreignLanguage() != null).toList();
        for (int i = 0; i < PER_DEFECT; i++) {
            Passage p = passage(translated.get(i % translated.size()), 2, 8);
            String language = p.topic().foreignLanguage();
            List<String> sentences =
                    p.facts().stream().map(f -> f.get(language)).toList();
            add("language-" + language + "-" + i, "language", p.source(), paragraphs(sentences), "stop");
        }
        for (int i = 0; i < PER_DEFECT; i++) {
            Passage p = passage(null, 2, 8);
            String output =
                    switch (i % 4) {
                        case 0 -> "";
                        case 1 -> " ";
                        case 2 -> "\n\n";
                        default -> "\t \n";
                    };
            add("empty-" + i, "empty", p.source(), output, i % 3 == 0 ? null : "stop");
        }
        for (int i = 0; i < PER_DEFECT; i++) {
            Passage p = passage(null, 4, 8);
            add("lost-content-" + i, "lost_content", p.source(), lostContent(p), "stop");
        }
        return records;
    }

    enum Style {
        TERSE,
        PLAIN,
        EXPANDED
    }

    Passage passage(EvaluationFacts.Topic only, int minFacts, int maxFacts) {
        EvaluationFacts.Topic topic = only != null
                ? only
                : facts.topics().get(random.nextInt(facts.topics().size()));
        int n = Math.min(topic.facts().size(), minFacts + random.nextInt(maxFacts - minFacts + 1));
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < topic.facts().size(); i++) {
            indexes.add(i);
        }
        Collections.shuffle(indexes, random);
        List<Integer> chosen = new ArrayList<>(indexes.subList(0, n));
        chosen.sort(null);
        List<EvaluationFacts.Fact> picked = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i : chosen) {
            picked.add(topic.facts().get(i));
            keys.add(random.nextInt(5) == 0 ? "L" : "S");
        }
        return new Passage(topic, picked, keys);
    }

    /** Every fact, each in a phrasing other than the source's; retried until the length ratio fits. */
    String faithful(Passage p, Style style) {
        int sourceWords = TextMeasures.wordCount(p.source());
        for (int attempt = 0; ; attempt++) {
            List<String> sentences = new ArrayList<>();
            for (int i = 0; i < p.facts().size(); i++) {
                sentences.add(p.facts().get(i).get(rewriteKey(p.sourceKeys().get(i), style)));
            }
            if (sentences.size() > 2 && random.nextInt(3) == 0) {
                int at = random.nextInt(sentences.size() - 1);
                Collections.swap(sentences, at, at + 1);
            }
            String text = paragraphs(sentences);
            double ratio = (double) TextMeasures.wordCount(text) / sourceWords;
            if (ratio >= MIN_RATIO && ratio <= MAX_RATIO) {
                return text;
            }
            if (attempt > 200) {
                style = Style.PLAIN;
            }
            if (attempt > 400) {
                throw new IllegalStateException("no faithful rewrite within the length bounds for " + p.source());
            }
        }
    }

    private String rewriteKey(String sourceKey, Style style) {
        String wanted =
                switch (style) {
                    case TERSE -> random.nextInt(10) < 7 ? "T" : "R";
                    case PLAIN -> "R";
                    case EXPANDED -> random.nextInt(10) < 7 ? "L" : "R";
                };
        if (wanted.equals(sourceKey)) {
            return sourceKey.equals("L") ? "R" : "L";
        }
        // A source written in the expanded phrasing gets the plain source phrasing now and then.
        return sourceKey.equals("L") && random.nextInt(4) == 0 ? "S" : wanted;
    }

    /** Cut mid-sentence, between 40% and 90% of the way, now and then inside a word. */
    String truncated(String text) {
        List<int[]> cuts = new ArrayList<>();
        Matcher m = Pattern.compile("\\S+").matcher(text);
        while (m.find()) {
            String word = m.group();
            boolean endsSentence = word.endsWith(".") || word.endsWith("!") || word.endsWith("?");
            if (!endsSentence && m.end() >= text.length() * 0.4 && m.end() <= text.length() * 0.9) {
                cuts.add(new int[] {m.start(), m.end()});
            }
        }
        if (cuts.isEmpty()) {
            return text.substring(0, text.length() / 2);
        }
        int[] at = cuts.get(random.nextInt(cuts.size()));
        String cut = text.substring(0, at[1]);
        if (random.nextInt(3) == 0 && at[1] - at[0] > 4) {
            cut = text.substring(0, at[0] + (at[1] - at[0]) / 2);
        }
        return cut.replaceAll("[,;:]$", "");
    }

    /** A good start, then a loop that runs until the cap: a sentence, a phrase, or a pair of sentences. */
    String looping(String rewrite, int variant) {
        String[] sentences = rewrite.split("(?<=[.!?])\\s+");
        int keep = Math.max(1, sentences.length / 2);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < keep; i++) {
            out.append(i == 0 ? "" : " ").append(sentences[i]);
        }
        int prefixWords = TextMeasures.wordCount(out.toString());
        String unit =
                switch (variant % 3) {
                    case 0 -> " " + sentences[keep - 1];
                    case 1 -> {
                        String[] words =
                                sentences[keep - 1].replaceAll("[.!?,;:]", "").split("\\s+");
                        int len = Math.min(words.length, 3 + random.nextInt(4));
                        yield " "
                                + String.join(" ", Arrays.copyOfRange(words, 0, len))
                                        .toLowerCase(Locale.ROOT);
                    }
                    default -> " " + sentences[keep - 1] + " " + sentences[Math.min(keep, sentences.length - 1)];
                };
        int loopWords = Math.max(prefixWords, 60) + random.nextInt(Math.max(prefixWords, 60));
        int unitWords = Math.max(1, TextMeasures.wordCount(unit));
        for (int i = 0; i * unitWords < loopWords; i++) {
            out.append(unit);
        }
        return out.toString();
    }

    /** An exact copy, a re-wrapped copy, or a copy with about one word in forty changed. */
    String echo(String source, int variant) {
        return switch (variant % 5) {
            case 0, 1 -> source;
            case 2 -> source.replace("\n\n", "\n").replace(". ", ".\n");
            default -> {
                String out = " " + source + " ";
                int changes = Math.max(1, TextMeasures.wordCount(source) / 40);
                for (int c = 0, tries = 0; c < changes && tries < 50; tries++) {
                    String[] swap = SWAPS[random.nextInt(SWAPS.length)];
                    int at = out.indexOf(swap[0], random.nextInt(Math.max(1, out.length() / 2)));
                    if (at >= 0) {
                        out = out.substring(0, at) + swap[1] + out.substring(at + swap[0].length());
                        c++;
                    }
                }
                yield out.strip();
            }
        };
    }

    /** One fact of four or more, two of seven or more, tersely: most of the content is gone. */
    String lostContent(Passage p) {
        int sourceWords = TextMeasures.wordCount(p.source());
        int keep = p.facts().size() >= 7 ? 2 : 1;
        List<EvaluationFacts.Fact> kept = new ArrayList<>(p.facts());
        Collections.shuffle(kept, random);
        List<String> sentences = new ArrayList<>();
        for (int i = 0; i < keep; i++) {
            sentences.add(kept.get(i).get(random.nextBoolean() ? "T" : "R"));
        }
        String text = String.join(" ", sentences);
        if ((double) TextMeasures.wordCount(text) / sourceWords > 0.45) {
            text = kept.get(0).get("T");
        }
        return text;
    }

    /** Sentences in paragraphs of two to four, as documents come. */
    static String paragraphs(List<String> sentences) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < sentences.size(); i++) {
            if (i > 0) {
                out.append(i % 3 == 0 ? "\n\n" : " ");
            }
            out.append(sentences.get(i));
        }
        return out.toString();
    }

    private void add(String id, String defect, String source, String output, String finishReason) {
        ObjectNode r = json.createObjectNode();
        r.put("id", id);
        r.put("defect", defect);
        r.put("source", source);
        r.put("output", output);
        if (finishReason != null) {
            r.put("finish_reason", finishReason);
        }
        records.add(r);
    }
}
