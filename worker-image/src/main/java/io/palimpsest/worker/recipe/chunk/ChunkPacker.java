package io.palimpsest.worker.recipe.chunk;

import io.palimpsest.api.recipe.Chunking;
import io.palimpsest.worker.recipe.token.TokenCounter;
import io.palimpsest.worker.text.BlankText;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Packs adjacent segments into chunks of at most {@code budget} tokens (Nemotron-CC, WRAP). A
 * segment larger than the budget is cut further: a line into sentences, a sentence into words,
 * and what has no break inside the budget (Chinese or Japanese without punctuation, one long
 * "word") at the budget itself, so no chunk exceeds the budget.
 *
 * <p>A chunk under the minimum size (a short tail, or a fragment between two long segments) joins
 * its neighbour (the previous chunk, else the next): the two are packed again as one chunk when they
 * fit the budget, else cut again into two chunks at the most even boundary (lines, then sentences,
 * then words) that leaves both within the budget and over the minimum. Only a fragment no neighbour
 * can take that way is dropped, and the plan lists it.
 */
public final class ChunkPacker {
    private static final Pattern GRAPHEME = Pattern.compile("\\X");

    private final TokenCounter tokens;

    /** Adjacent pieces of text, packed into one chunk. */
    private record Group(List<String> pieces) {
        String text() {
            return String.join("", pieces);
        }
    }

    public ChunkPacker(TokenCounter tokens) {
        this.tokens = tokens;
    }

    /**
     * @param budget        tokens per chunk, prompt overhead already subtracted
     * @param minChunkTokens chunks under this size join a neighbour, or are dropped (0 keeps all)
     */
    public ChunkPlan pack(String documentId, String text, Chunking.SplitOn splitOn, int budget, int minChunkTokens) {
        List<String> pieces = new ArrayList<>();
        for (String segment : Segmenter.split(text, splitOn)) {
            fit(segment, budget, splitOn, pieces);
        }
        List<Group> groups = new ArrayList<>();
        Group current = new Group(new ArrayList<>());
        int currentTokens = 0;
        for (String piece : pieces) {
            int t = tokens.count(piece);
            if (!current.pieces().isEmpty() && currentTokens + t > budget) {
                groups.add(current);
                current = new Group(new ArrayList<>());
                currentTokens = 0;
            }
            current.pieces().add(piece);
            currentTokens += t;
        }
        if (!current.pieces().isEmpty()) {
            groups.add(current);
        }
        groups.removeIf(g -> BlankText.isBlank(g.text()));
        List<Boolean> keep = joinShort(groups, budget, minChunkTokens);
        List<Chunk> chunks = new ArrayList<>();
        List<Chunk> dropped = new ArrayList<>();
        int[] starts = starts(text, groups);
        String after = "";
        for (int i = 0; i < groups.size(); i++) {
            String body = stripTrailingNewlines(groups.get(i).text());
            boolean last = i == groups.size() - 1;
            String before = i == 0 ? text.substring(0, starts[0]) : after;
            after = text.substring(starts[i] + body.length(), last ? text.length() : starts[i + 1]);
            Chunk c = new Chunk(Chunk.idOf(documentId, i), i, body, tokens.count(body), before, after, last);
            (keep.get(i) ? chunks : dropped).add(c);
        }
        return new ChunkPlan(chunks, dropped);
    }

    /**
     * Where each group starts in {@code text}. The groups are the text's pieces in order, less the blank
     * ones: each is found after the one before, past whitespace only, so the first match is the group.
     */
    private static int[] starts(String text, List<Group> groups) {
        int[] starts = new int[groups.size()];
        int from = 0;
        for (int i = 0; i < groups.size(); i++) {
            String g = groups.get(i).text();
            starts[i] = text.indexOf(g, from);
            if (starts[i] < 0) {
                throw new IllegalStateException("chunk " + i + " is not in its document's text");
            }
            from = starts[i] + g.length();
        }
        return starts;
    }

    /** Joins each short group to a neighbour in place; says, per resulting group, whether it is kept. */
    private List<Boolean> joinShort(List<Group> groups, int budget, int min) {
        List<Boolean> keep = new ArrayList<>();
        groups.forEach(g -> keep.add(true));
        if (min <= 0) {
            return keep;
        }
        int i = 0;
        while (i < groups.size()) {
            if (!isShort(groups.get(i), min)) {
                i++;
                continue;
            }
            boolean joined = false;
            for (int neighbour : new int[] {i - 1, i + 1}) {
                if (neighbour < 0 || neighbour >= groups.size() || !keep.get(neighbour)) {
                    continue;
                }
                int first = Math.min(i, neighbour);
                Optional<List<Group>> again = repack(groups.get(first), groups.get(first + 1), budget, min);
                if (again.isPresent()) {
                    groups.remove(first + 1);
                    groups.remove(first);
                    keep.remove(first + 1);
                    keep.remove(first);
                    groups.addAll(first, again.get());
                    again.get().forEach(g -> keep.add(first, true));
                    i = first + again.get().size();
                    joined = true;
                    break;
                }
            }
            if (!joined) {
                // A document that is one short chunk has no neighbour and is dropped whole.
                keep.set(i, false);
                i++;
            }
        }
        return keep;
    }

    private boolean isShort(Group g, int min) {
        return tokens.count(stripTrailingNewlines(g.text())) < min;
    }

    /**
     * Two adjacent groups as one chunk when they fit, else as two at the most even boundary that keeps
     * both within the budget and at least {@code min}; empty when no boundary does.
     */
    private Optional<List<Group>> repack(Group a, Group b, int budget, int min) {
        List<String> pieces = new ArrayList<>(a.pieces());
        pieces.addAll(b.pieces());
        if (tokens.count(String.join("", pieces)) <= budget) {
            return Optional.of(List.of(new Group(pieces)));
        }
        for (int level = 0; level < 3; level++) {
            if (level > 0) {
                List<String> finer = new ArrayList<>();
                for (String p : pieces) {
                    finer.addAll(level == 1 ? Segmenter.sentences(p) : Segmenter.words(p));
                }
                pieces = finer;
            }
            Optional<Integer> cut = evenCut(pieces, budget, min);
            if (cut.isPresent()) {
                int at = cut.get();
                return Optional.of(List.of(
                        new Group(new ArrayList<>(pieces.subList(0, at))),
                        new Group(new ArrayList<>(pieces.subList(at, pieces.size())))));
            }
        }
        return Optional.empty();
    }

    /**
     * The boundary where the two sides' token counts are closest (found by bisection: the left side
     * only grows), if both sides there are within the budget and at least {@code min}.
     */
    private Optional<Integer> evenCut(List<String> pieces, int budget, int min) {
        if (pieces.size() < 2) {
            return Optional.empty();
        }
        int lo = 1;
        int hi = pieces.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (side(pieces, 0, mid) >= side(pieces, mid, pieces.size())) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Optional<Integer> best = Optional.empty();
        int bestSmaller = -1;
        for (int cut : new int[] {lo - 1, lo}) {
            if (cut < 1 || cut >= pieces.size()) {
                continue;
            }
            int left = side(pieces, 0, cut);
            int right = side(pieces, cut, pieces.size());
            if (left <= budget
                    && right <= budget
                    && left >= min
                    && right >= min
                    && Math.min(left, right) > bestSmaller) {
                best = Optional.of(cut);
                bestSmaller = Math.min(left, right);
            }
        }
        return best;
    }

    private int side(List<String> pieces, int from, int to) {
        return tokens.count(stripTrailingNewlines(String.join("", pieces.subList(from, to))));
    }

    /** The whole document as one chunk. */
    public static ChunkPlan whole(String documentId, String text, int tokenCount) {
        return new ChunkPlan(
                List.of(new Chunk(Chunk.idOf(documentId, 0), 0, text, tokenCount, "", "", true)), List.of());
    }

    private void fit(String segment, int budget, Chunking.SplitOn splitOn, List<String> out) {
        if (tokens.count(segment) <= budget) {
            out.add(segment);
            return;
        }
        List<String> finer =
                splitOn == Chunking.SplitOn.newline ? Segmenter.sentences(segment) : Segmenter.words(segment);
        if (finer.size() <= 1) {
            finer = Segmenter.words(segment);
        }
        if (finer.size() <= 1) {
            cutAtBudget(segment, budget, out);
            return;
        }
        for (String f : finer) {
            fit(f, budget, Chunking.SplitOn.sentence, out);
        }
    }

    /**
     * A segment with no sentence or word break inside the budget (text without spaces, a long token
     * run) cut into pieces of at most {@code budget} tokens, each as long as fits, at the end of a
     * character as a reader sees it (a grapheme cluster: an emoji sequence joined by zero-width
     * joiners, a flag, a letter with its combining marks), and never between the two halves of a
     * surrogate pair even where one such character alone is over the budget.
     */
    private void cutAtBudget(String segment, int budget, List<String> out) {
        int start = 0;
        while (start < segment.length()) {
            // A token is rarely more than a few dozen characters: no need to count further than this.
            int limit =
                    codePointStart(segment, (int) Math.min(segment.length(), start + (long) Math.max(budget, 1) * 32));
            if (limit < segment.length()) {
                limit = characterEnd(segment, start, limit);
            }
            if (tokens.count(segment.substring(start, limit)) <= budget) {
                out.add(segment.substring(start, limit));
                start = limit;
                continue;
            }
            int lo = segment.offsetByCodePoints(start, 1);
            int hi = limit;
            while (lo < hi) {
                int mid = codePointStart(segment, (lo + hi + 1) >>> 1);
                if (mid <= lo) {
                    break;
                }
                if (tokens.count(segment.substring(start, mid)) <= budget) {
                    lo = mid;
                } else {
                    hi = codePointStart(segment, mid - 1);
                }
            }
            int end = characterEnd(segment, start, lo);
            out.add(segment.substring(start, end));
            start = end;
        }
    }

    /**
     * The last end of a grapheme cluster after {@code start} and at most {@code at}, counting clusters
     * from {@code start}; {@code at} itself when no cluster ends in between (one character longer than
     * the budget, cut between its code points).
     */
    private static int characterEnd(String s, int start, int at) {
        // a cluster is decided by the code point after it: look no further than a little past at, so that
        // one character of thousands of combining marks is not read again for every cut
        Matcher character = GRAPHEME.matcher(s).region(start, (int) Math.min(s.length(), at + 64L));
        int end = start;
        while (character.find() && character.end() <= at) {
            end = character.end();
        }
        return end > start ? end : at;
    }

    /** {@code i}, or one less when it falls between a high and a low surrogate. */
    private static int codePointStart(String s, int i) {
        return i > 0
                        && i < s.length()
                        && Character.isLowSurrogate(s.charAt(i))
                        && Character.isHighSurrogate(s.charAt(i - 1))
                ? i - 1
                : i;
    }

    private static String stripTrailingNewlines(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r' || s.charAt(end - 1) == ' ')) {
            end--;
        }
        return s.substring(0, end);
    }
}
