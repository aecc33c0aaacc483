package io.palimpsest.sim.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The simulated model's answer to "rewrite this": a deterministic paraphrase that keeps the
 * document's content, so a good output passes validators, yet is no echo.
 * <ul>
 *   <li>Only all-lower-case words are replaced (from {@link SynonymTable}); numbers, names,
 *       acronyms and sentence starts stay verbatim. No word is ever deleted.</li>
 *   <li>If the word-trigram overlap with the source is still at or above {@link #TARGET_JACCARD},
 *       filler words of the same language go into runs of copied words, each one where it breaks
 *       two surviving trigrams: one per long run first, denser only if the overlap is still too
 *       high, and never past {@link #MAX_LENGTH_RATIO} times the source's words.</li>
 *   <li>A language without a table ({@link Language#OTHER}) only gets its sentences (or the
 *       clauses of a single sentence) rotated, so it never turns into another language.</li>
 * </ul>
 * For English prose this gives a length ratio of 1.0 to 1.25 and an overlap well under 0.5.
 */
public final class Rewriter {
    static final double TARGET_JACCARD = 0.35;
    static final double MAX_LENGTH_RATIO = 1.25;
    /** Fillers are tried sparsely first (one per this many surviving trigrams), then denser. */
    private static final int LONGEST_RUN_KEPT = 6;
    /** Western sentence ends need a space after them; CJK full stops do not. */
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+|(?<=[。！？])\\s*");

    private static final Pattern CJK_END = Pattern.compile("[。！？]");

    private Rewriter() {}

    public static String rewrite(String source, long seed) {
        Language language = Language.guess(source);
        if (language == Language.OTHER) {
            return rotate(source);
        }
        SynonymTable table = SynonymTable.of(language);
        List<Piece> pieces = substitute(split(source), table, seed);
        String substituted = join(pieces);
        TrigramSet sourceTrigrams = TrigramSet.of(source);
        if (sourceTrigrams.jaccard(TrigramSet.of(substituted)) < TARGET_JACCARD) {
            return substituted;
        }
        int sourceWords = TextStats.wordCount(source);
        int substitutedWords = TextStats.wordCount(substituted);
        String best = substituted;
        for (int run = LONGEST_RUN_KEPT; run >= 2; run--) {
            Attempt attempt = insertFillers(pieces, sourceTrigrams, sourceWords, substitutedWords, table, seed, run);
            best = attempt.text();
            if (sourceTrigrams.jaccard(attempt.trigrams()) < TARGET_JACCARD) {
                break;
            }
        }
        return best;
    }

    /**
     * A word (see {@link TextStats#words}) or the text between two words. A replacement may
     * hold several words ("prior to"), hence the list.
     */
    private record Piece(String text, boolean word, boolean replaced, List<String> lowerWords, boolean lowerCase) {
        static Piece separator(String text) {
            return new Piece(text, false, false, List.of(), false);
        }

        static Piece word(String text, boolean replaced) {
            List<String> lower = replaced
                    ? TextStats.words(text).stream()
                            .map(w -> w.toLowerCase(Locale.ROOT))
                            .toList()
                    : List.of(text.toLowerCase(Locale.ROOT));
            return new Piece(text, true, replaced, lower, Words.isAllLowerCase(text));
        }
    }

    private static List<Piece> split(String text) {
        List<Piece> out = new ArrayList<>();
        int last = 0;
        int start = Words.nextWordStart(text, 0);
        while (start >= 0) {
            if (start > last) {
                out.add(Piece.separator(text.substring(last, start)));
            }
            int end = Words.wordEnd(text, start);
            out.add(Piece.word(text.substring(start, end), false));
            last = end;
            start = Words.nextWordStart(text, end);
        }
        if (last < text.length()) {
            out.add(Piece.separator(text.substring(last)));
        }
        return out;
    }

    private static List<Piece> substitute(List<Piece> pieces, SynonymTable table, long seed) {
        List<Piece> out = new ArrayList<>(pieces.size());
        int wordIndex = 0;
        for (Piece p : pieces) {
            if (!p.word()) {
                out.add(p);
                continue;
            }
            Optional<List<String>> alternatives = p.lowerCase() ? table.alternatives(p.text()) : Optional.empty();
            if (alternatives.isPresent()) {
                List<String> alts = alternatives.get();
                String chosen = alts.get(Hashing.pick(Hashing.mix(seed, wordIndex, p.text()), alts.size()));
                out.add(Piece.word(chosen, true));
            } else {
                out.add(p);
            }
            wordIndex++;
        }
        return out;
    }

    /** One filler pass: the text, and its trigrams gathered on the way for the overlap check. */
    private record Attempt(String text, TrigramSet trigrams) {}

    private static Attempt insertFillers(
            List<Piece> pieces,
            TrigramSet sourceTrigrams,
            int sourceWords,
            int outputWords,
            SynonymTable table,
            long seed,
            int runLength) {
        List<String> fillers = table.fillers();
        int budget = (int) Math.floor(sourceWords * MAX_LENGTH_RATIO) - outputWords;
        StringBuilder out = new StringBuilder();
        TrigramSet.Builder trigrams = new TrigramSet.Builder();
        int survivingRun = 0;
        String separatorBefore = "";
        int position = 0;
        for (Piece p : pieces) {
            if (!p.word()) {
                out.append(p.text());
                separatorBefore = p.text();
                continue;
            }
            for (String lower : p.lowerWords()) {
                long hash = TrigramSet.wordHash(lower);
                boolean survives = trigrams.hasTwoWords() && sourceTrigrams.contains(trigrams.peek(hash));
                boolean insertable = survives
                        && survivingRun + 1 >= runLength
                        && budget > 0
                        && !p.replaced()
                        && p.lowerCase()
                        && table.fillerFitsBefore(lower)
                        && !separatorBefore.isEmpty()
                        && separatorBefore.isBlank();
                if (insertable) {
                    String filler = fillers.get(Hashing.pick(Hashing.mix(seed, position, lower), fillers.size()));
                    out.append(filler).append(' ');
                    budget--;
                    trigrams.add(TrigramSet.wordHash(filler));
                    survives = false;
                }
                trigrams.add(hash);
                position++;
                survivingRun = survives ? survivingRun + 1 : 0;
            }
            out.append(p.text());
            separatorBefore = "";
        }
        return new Attempt(out.toString(), trigrams.build());
    }

    private static String join(List<Piece> pieces) {
        StringBuilder sb = new StringBuilder();
        pieces.forEach(p -> sb.append(p.text()));
        return sb.toString();
    }

    /** Moves the first sentence to the end, or, for one sentence, its first clause. */
    private static String rotate(String source) {
        String trimmed = source.strip();
        String[] sentences = SENTENCE_END.split(trimmed);
        if (sentences.length >= 2) {
            List<String> order = new ArrayList<>(List.of(sentences).subList(1, sentences.length));
            order.add(sentences[0]);
            return String.join(CJK_END.matcher(trimmed).find() ? "" : " ", order);
        }
        int comma = trimmed.indexOf(", ");
        if (comma > 0) {
            String head = trimmed.substring(0, comma);
            String tail = trimmed.substring(comma + 2);
            String end = "";
            if (!tail.isEmpty() && ".!?".indexOf(tail.charAt(tail.length() - 1)) >= 0) {
                end = tail.substring(tail.length() - 1);
                tail = tail.substring(0, tail.length() - 1);
            }
            return tail + ", " + head + end;
        }
        return source;
    }
}
