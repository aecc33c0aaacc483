package io.palimpsest.worker.recipe.filter;

import io.palimpsest.api.recipe.PreFilter;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.TextMeasures;
import io.palimpsest.worker.recipe.route.CelPredicate;
import io.palimpsest.worker.recipe.token.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The recipe's pre-filters, compiled once; the first that fails decides the skip reason. */
public final class PreFilterChain {
    /** Why a document was filtered out: the reason is the filter's type ({@link ItemReason#ofFilter}). */
    public record Verdict(ItemReason reason, String detail) {}

    private final List<Function<SourceDocument, Optional<Verdict>>> checks = new ArrayList<>();

    public PreFilterChain(List<PreFilter> filters, TokenCounter tokens) {
        if (filters == null) {
            return;
        }
        for (int i = 0; i < filters.size(); i++) {
            checks.add(compile(filters.get(i), "preFilters[" + i + "]", tokens));
        }
    }

    /** Compiles one filter as the chain does, for a check that names each filter's own problem. */
    public static void check(PreFilter filter, String where, TokenCounter tokens) {
        compile(filter, where, tokens);
    }

    public Optional<Verdict> firstFailure(SourceDocument doc) {
        for (Function<SourceDocument, Optional<Verdict>> check : checks) {
            Optional<Verdict> v = check.apply(doc);
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    private static Function<SourceDocument, Optional<Verdict>> compile(PreFilter f, String where, TokenCounter tokens) {
        if (f.getType() == null) {
            throw new RecipeException(where + ": type is required");
        }
        ItemReason reason = ItemReason.ofFilter(f.getType());
        return switch (f.getType()) {
            case minLength -> doc -> length(f, doc, tokens, true).map(d -> new Verdict(reason, d));
            case maxLength -> doc -> length(f, doc, tokens, false).map(d -> new Verdict(reason, d));
            case regex -> {
                Pattern p;
                try {
                    p = Pattern.compile(f.getPattern());
                } catch (PatternSyntaxException | NullPointerException e) {
                    throw new RecipeException(where + ": bad pattern: " + e.getMessage(), e);
                }
                boolean keepMatching = f.getAction() == PreFilter.Action.keep;
                yield doc -> {
                    boolean found = p.matcher(doc.text()).find();
                    if (found == keepMatching) {
                        return Optional.empty();
                    }
                    return Optional.of(new Verdict(reason, (found ? "matches " : "does not match ") + f.getPattern()));
                };
            }
            case metadata -> {
                CelPredicate when = CelPredicate.compile(f.getWhen(), where + ".when");
                yield doc -> when.test(doc) ? Optional.empty() : Optional.of(new Verdict(reason, "not " + f.getWhen()));
            }
            case pythonSyntax -> doc -> PythonSyntax.check(doc.text()).map(p -> new Verdict(reason, p.toString()));
            case pythonLint -> {
                double min = f.getMinScore() == null ? PythonLint.DEFAULT_MIN_SCORE : f.getMinScore();
                yield doc -> {
                    PythonLint.Report r = PythonLint.score(doc.text());
                    return r.score() >= min
                            ? Optional.empty()
                            : Optional.of(
                                    new Verdict(reason, r.summary() + String.format(Locale.ROOT, " < %.1f", min)));
                };
            }
        };
    }

    private static Optional<String> length(PreFilter f, SourceDocument doc, TokenCounter tokens, boolean min) {
        if (f.getChars() != null) {
            // characters as Python's len() counts them (code points): an emoji is one, not two UTF-16 units
            Optional<String> d =
                    bound("chars", doc.text().codePointCount(0, doc.text().length()), f.getChars(), min);
            if (d.isPresent()) {
                return d;
            }
        }
        if (f.getWords() != null) {
            Optional<String> d = bound("words", TextMeasures.wordCount(doc.text()), f.getWords(), min);
            if (d.isPresent()) {
                return d;
            }
        }
        if (f.getTokens() != null) {
            return bound("tokens", tokens.count(doc.text()), f.getTokens(), min);
        }
        return Optional.empty();
    }

    private static Optional<String> bound(String unit, int actual, int limit, boolean min) {
        boolean fails = min ? actual < limit : actual > limit;
        return fails ? Optional.of(actual + " " + unit + (min ? " < " : " > ") + limit) : Optional.empty();
    }
}
