package io.palimpsest.worker.recipe.post;

import io.palimpsest.api.recipe.PostStep;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.parse.FencedCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Runs the reply-level post-processing steps in order. appendToOriginal is not one of them: it
 * composes with the whole document and runs after the chunks are joined ({@link QaAppender}).
 */
public final class ReplyCleaner {
    private interface Step {
        PostResult apply(String text);
    }

    private static final Pattern THINK_BLOCK = Pattern.compile("(?is)<(think|thinking|reasoning)>.*?</\\1>");
    private static final Pattern THINK_UNCLOSED_END = Pattern.compile("(?is)^.*?</(think|thinking|reasoning)>");
    private static final Pattern THINK_UNCLOSED_START = Pattern.compile("(?is)<(think|thinking|reasoning)>.*$");

    private final List<Step> steps = new ArrayList<>();

    public ReplyCleaner(List<PostStep> recipeSteps, List<PostStep> ownSteps, String where) {
        List<PostStep> all = new ArrayList<>();
        if (recipeSteps != null) {
            all.addAll(recipeSteps);
        }
        if (ownSteps != null) {
            all.addAll(ownSteps);
        }
        for (int i = 0; i < all.size(); i++) {
            PostStep s = all.get(i);
            if (s.getType() != PostStep.Type.appendToOriginal) {
                steps.add(compile(s, where + ".postProcess[" + i + "]"));
            }
        }
    }

    /** Compiles one step as a cleaner does, for a check that names each step's own problem. */
    public static void check(PostStep step, String where) {
        if (step.getType() != PostStep.Type.appendToOriginal) {
            compile(step, where);
        }
    }

    public PostResult clean(String reply) {
        String text = reply;
        for (Step step : steps) {
            PostResult r = step.apply(text);
            if (!r.ok()) {
                return r;
            }
            text = r.text();
        }
        return PostResult.ok(text.strip());
    }

    private static Step compile(PostStep s, String where) {
        if (s.getType() == null) {
            throw new RecipeException(where + ": type is required");
        }
        return switch (s.getType()) {
            case stripPreamble -> text -> PostResult.ok(PreambleStripper.strip(text));
            case stripSentinel -> sentinel(s.getSentinel(), where);
            case stripMarkdown -> text -> PostResult.ok(MarkdownStripper.strip(text));
            case stripPattern -> linesMatching(s.getPattern(), where);
            case extractCode ->
                text -> FencedCode.first(text, s.getLanguage())
                        .filter(code -> !code.isBlank())
                        .map(PostResult::ok)
                        .orElseGet(() -> PostResult.failed(ItemReason.NO_CODE, "no fenced code block in the reply"));
            case stripReasoning -> text -> PostResult.ok(stripReasoning(text));
            case appendToOriginal -> text -> PostResult.ok(text);
        };
    }

    static String stripReasoning(String text) {
        String t = THINK_BLOCK.matcher(text).replaceAll("");
        // A closing tag without an opening one: the server's template opened the block for the model.
        t = THINK_UNCLOSED_END.matcher(t).replaceFirst("");
        // An opening tag never closed: the budget ran out while thinking; nothing after it is output.
        return THINK_UNCLOSED_START.matcher(t).replaceFirst("");
    }

    private static Step sentinel(String sentinel, String where) {
        if (sentinel == null || sentinel.isBlank()) {
            throw new RecipeException(where + ": stripSentinel needs sentinel");
        }
        String expected = sentinel.strip();
        return text -> {
            String t = text.stripLeading();
            int nl = t.indexOf('\n');
            String first = (nl < 0 ? t : t.substring(0, nl)).strip();
            if (first.equals(expected)) {
                return PostResult.ok(nl < 0 ? "" : t.substring(nl + 1));
            }
            if (first.startsWith(expected)) {
                return PostResult.ok(t.substring(t.indexOf(expected) + expected.length()));
            }
            return PostResult.failed(ItemReason.MISSING_SENTINEL, "reply does not start with " + expected);
        };
    }

    private static Step linesMatching(String regex, String where) {
        Pattern p;
        try {
            p = Pattern.compile(regex);
        } catch (PatternSyntaxException | NullPointerException e) {
            throw new RecipeException(where + ": bad pattern: " + e.getMessage(), e);
        }
        UnaryOperator<String> op = text -> {
            StringBuilder sb = new StringBuilder();
            for (String line : text.split("\n", -1)) {
                if (!p.matcher(line).find()) {
                    if (sb.length() > 0) {
                        sb.append('\n');
                    }
                    sb.append(line);
                }
            }
            return sb.toString();
        };
        return text -> PostResult.ok(op.apply(text));
    }

    /** For tests and the validate command: does this list contain a step of that type? */
    public static Optional<PostStep> find(List<PostStep> steps, PostStep.Type type) {
        return steps == null
                ? Optional.empty()
                : steps.stream().filter(s -> s.getType() == type).findFirst();
    }
}
