package io.palimpsest.worker.recipe.validate;

import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.ModelRequest;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateException;
import io.palimpsest.worker.recipe.template.TemplateVariables;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An LLM judge (MAGA, SwallowCode's SGCR): a second call scores the output; below the threshold,
 * or without a readable score on the judge's scale, the output is rejected.
 *
 * <p>The score is the judge's last word: the last match of {@code scorePattern} (its group 1, or the
 * whole match of a pattern without groups; a group 1 the pattern may leave out is refused), or
 * without one the last number after a label such as "Score:", "Rating (1-5):", "Grade" or "a score
 * of", else the last number in the reply ("4 out of 5" and "4/5" read as 4). A range ("1-5", "1 to
 * 5") and a number the reply defines ("1 means poor", "5 = excellent") describe the scale and are
 * never read as the score, labelled or not: "Using a score of 1 to 5, I'd give it a 4" is a 4. A
 * label whose value is such a range or definition ("Score: 3-4") is no readable score. The score
 * must be a plain number inside the scale [{@code min}, {@code max}] (default 1 to 5); "95%", "NaN",
 * or 10 on a 1-5 scale are not scores.
 */
public final class JudgeCheck {
    public static final ItemReason REASON = ItemReason.JUDGE;
    static final double DEFAULT_MIN = 1;
    static final double DEFAULT_MAX = 5;
    private static final String NUMBER = "(?<![\\w.])-?\\d+(?:\\.\\d+)?%?";
    /** Stands, in the reply as read, for each character of a range or a definition (see {@link #scaleMasked}). */
    private static final char SCALE = '\u2592';
    /** "1-5", "1 – 5", "1 to 5": the scale (or a range the judge could not decide within), never one score. */
    private static final Pattern RANGE = Pattern.compile(
            "(?i)(?<![\\w.])\\d+(?:\\.\\d+)?[ \\t]*(?:-|\u2013|\u2014|to)[ \\t]*\\d+(?:\\.\\d+)?(?![\\w.]*\\d)");
    /** "1 means poor", "5 = excellent", "(Grade of 1 indicates ...)": a point of the scale explained, not a score. */
    private static final Pattern DEFINITION = Pattern.compile("(?i)(?<![\\w.])\\d+(?:\\.\\d+)?"
            + "(?:[ \\t]+(?:means|indicates|represents|signifies|stands[ \\t]+for|corresponds[ \\t]+to)\\b"
            + "|[ \\t]*=[ \\t]*(?=[A-Za-z]))");
    /**
     * A label, an optional "(1-5)" or bare range, then after ":" or "=" the next token (a number, or a
     * word that is not one: "Score: N/A" is unreadable, not a reason to look elsewhere), or after
     * "is"/"of" a number.
     */
    private static final Pattern LABELLED = Pattern.compile("(?i)\\b(?:score|rating|grade)\\b\\s*"
            + "(?:\\([^)\\n]*\\)|\\[[^\\]\\n]*\\]|" + SCALE + "+)?\\s*"
            + "(?:[:=]\\s*[*_\"']*\\s*(" + NUMBER + "|[^\\s\\d*_\"'][^\\s*_\"',;]*)"
            + "|(?:(?:is|of)\\s+)?[*_\"']*\\s*(" + NUMBER + "))");
    /** Any number; "4 out of 5" and "4/5" as one, read as 4. */
    private static final Pattern ANY_NUMBER =
            Pattern.compile("(" + NUMBER + ")(?:\\s*(?:/|out\\s+of)\\s*\\d+(?:\\.\\d+)?)?");

    private static final Pattern PLAIN_NUMBER = Pattern.compile("[-+]?\\d+(?:\\.\\d+)?");

    /** A quantifier that allows none: ?, *, {0}, {0,n}, lazy or possessive. */
    private static final Pattern OPTIONAL = Pattern.compile("(?:\\?|\\*|\\{0+(?:,\\d*)?\\})[?+]?");

    private final ValidatorSpec spec;
    private final ModelCall model;
    private final PromptRenderer renderer;
    private final String owner;
    /** Null: the default reading (labelled, else last number). */
    private final Pattern score;

    private final double threshold;
    private final double min;
    private final double max;

    public JudgeCheck(ValidatorSpec spec, ModelCall model, PromptRenderer renderer, String owner) {
        if (spec.getJudge() == null) {
            throw new RecipeException(owner + ": a judge validator needs judge (the prompt)");
        }
        this.spec = spec;
        this.model = model;
        this.renderer = renderer;
        this.owner = owner;
        try {
            this.score = spec.getScorePattern() == null ? null : Pattern.compile(spec.getScorePattern());
        } catch (PatternSyntaxException e) {
            throw new RecipeException(owner + ": bad scorePattern: " + e.getMessage(), e);
        }
        String optional = score == null ? null : optionalFirstGroup(spec.getScorePattern());
        if (optional != null) {
            throw new Validators.BadBound(
                    owner,
                    "scorePattern",
                    "group 1, " + optional + ", is optional: where it takes part the score would be that"
                            + " group alone, where it does not the whole match; put the score in group 1, or write"
                            + " the group as (?:...) so that the whole match is the score");
        }
        this.threshold = spec.getThreshold() == null ? 3.0 : spec.getThreshold();
        this.min = spec.getMin() == null ? DEFAULT_MIN : spec.getMin();
        this.max = spec.getMax() == null ? DEFAULT_MAX : spec.getMax();
        if (min > max) {
            throw new RecipeException(owner + ": the judge's scale runs from min " + fmt(min) + " to max " + fmt(max)
                    + ": min must not exceed max");
        }
        if (threshold < min || threshold > max) {
            throw new RecipeException(owner + ": the judge's threshold " + fmt(threshold) + " is outside its scale "
                    + fmt(min) + "-" + fmt(max) + "; declare the scale with min and max");
        }
        renderer.check(owner, spec.getJudge());
    }

    /** The score, and the rejection when it is too low or missing. */
    public record Outcome(Optional<CheckFailure> rejection, Double score) {}

    public CompletionStage<Outcome> judge(ValidationSubject s, ModelCall override) {
        ModelCall target = override == null ? model : override;
        ModelRequest request;
        try {
            request = renderer.request(
                    "judge of " + owner,
                    spec.getJudge(),
                    TemplateVariables.forJudge(s.templateVars(), s.source(), s.output()),
                    "judge:" + owner);
        } catch (TemplateException e) {
            // a reply without a field the judge reads (parse_error), or the judge's template (template_error)
            return CompletableFuture.completedFuture(
                    new Outcome(Optional.of(new CheckFailure(e.reason(), e.getMessage())), null));
        }
        return target.call(request).thenApply(reply -> {
            Score read = readScore(reply.text());
            if (read.value() == null) {
                return new Outcome(Optional.of(new CheckFailure(REASON, read.problem())), null);
            }
            double value = read.value();
            if (value < threshold) {
                return new Outcome(
                        Optional.of(new CheckFailure(REASON, "score " + value + " < " + threshold, value, threshold)),
                        value);
            }
            return new Outcome(Optional.empty(), value);
        });
    }

    /** The lowest passing score. */
    public double threshold() {
        return threshold;
    }

    /** A score read from a reply, or why none could be. */
    record Score(Double value, String problem) {}

    Score readScore(String reply) {
        String found;
        if (score != null) {
            found = lastMatch(score, reply);
        } else {
            String masked = scaleMasked(reply);
            int[] at = defaultScore(masked);
            found = at == null ? null : reply.substring(at[0], at[1]);
            if (found != null && masked.indexOf(SCALE, at[0]) >= 0 && masked.indexOf(SCALE, at[0]) < at[1]) {
                return new Score(
                        null,
                        "the judge's score '" + abbreviated(found.strip())
                                + "' is a range or a point of the scale explained, not one score");
            }
        }
        if (found == null) {
            return new Score(null, "no score in the judge's reply");
        }
        String text = found.strip();
        if (!PLAIN_NUMBER.matcher(text).matches()) {
            return new Score(null, "the judge's score '" + abbreviated(text) + "' is not a number");
        }
        double value = Double.parseDouble(text);
        if (value < min || value > max) {
            return new Score(null, "the judge's score " + text + " is outside its scale " + fmt(min) + "-" + fmt(max));
        }
        return new Score(value, null);
    }

    /** Start and end of the default reading's score in {@code masked}, or null. */
    private static int[] defaultScore(String masked) {
        int[] labelled = lastSpan(LABELLED, masked);
        return labelled != null ? labelled : lastSpan(ANY_NUMBER, masked);
    }

    /**
     * The reply with every range and definition ({@link #RANGE}, {@link #DEFINITION}) overwritten by
     * {@link #SCALE}, character for character: positions stay those of the reply, their numbers match no
     * number pattern, and a label followed by one reads it as one word.
     */
    static String scaleMasked(String reply) {
        StringBuilder out = new StringBuilder(reply);
        for (Pattern p : new Pattern[] {RANGE, DEFINITION}) {
            Matcher m = p.matcher(out.toString());
            while (m.find()) {
                for (int i = m.start(); i < m.end(); i++) {
                    if (!Character.isWhitespace(out.charAt(i)) || i > m.start() && i < m.end() - 1) {
                        out.setCharAt(i, SCALE);
                    }
                }
            }
        }
        return out.toString();
    }

    /**
     * Group 1 of {@code regex} with its quantifier when that quantifier lets the group be left out
     * ({@code ?}, {@code *}, <code>{0,n}</code>), else null. In <code>\d+(\.\d+)?</code> the group is a
     * part of the number, not the score: "4.5" would read as ".5". {@code regex} compiles: escapes,
     * quoted runs and character classes are skipped, non-capturing and look-around groups counted out.
     */
    static String optionalFirstGroup(String regex) {
        ArrayDeque<Integer> open = new ArrayDeque<>();
        int groups = 0;
        int inClass = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                if (regex.startsWith("Q", i + 1)) {
                    int end = regex.indexOf("\\E", i + 2);
                    i = end < 0 ? regex.length() : end + 1;
                } else {
                    i++;
                }
            } else if (inClass > 0) {
                inClass += c == '[' ? 1 : c == ']' ? -1 : 0;
            } else if (c == '[') {
                inClass = 1;
                if (regex.startsWith("]", i + 1) || regex.startsWith("^]", i + 1)) {
                    i += regex.charAt(i + 1) == '^' ? 2 : 1;
                }
            } else if (c == '(') {
                boolean capturing = !regex.startsWith("?", i + 1)
                        || regex.startsWith("?<", i + 1)
                                && i + 3 < regex.length()
                                && Character.isLetter(regex.charAt(i + 3));
                open.push(capturing && ++groups == 1 ? i : -1);
            } else if (c == ')' && !open.isEmpty()) {
                int start = open.pop();
                if (start >= 0) {
                    Matcher q = OPTIONAL.matcher(regex).region(i + 1, regex.length());
                    return q.lookingAt() ? regex.substring(start, q.end()) : null;
                }
            }
        }
        return null;
    }

    /** The first group that took part in the last match (the whole match without groups), or null. */
    private static String lastMatch(Pattern p, String reply) {
        int[] at = lastSpan(p, reply);
        return at == null ? null : reply.substring(at[0], at[1]);
    }

    /** Where {@link #lastMatch} is. */
    private static int[] lastSpan(Pattern p, String reply) {
        Matcher m = p.matcher(reply);
        int[] last = null;
        while (m.find()) {
            last = new int[] {m.start(), m.end()};
            for (int g = 1; g <= m.groupCount(); g++) {
                if (m.group(g) != null) {
                    last = new int[] {m.start(g), m.end(g)};
                    break;
                }
            }
        }
        return last;
    }

    private static String abbreviated(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
