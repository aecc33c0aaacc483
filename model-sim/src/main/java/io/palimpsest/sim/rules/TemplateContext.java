package io.palimpsest.sim.rules;

import io.palimpsest.sim.text.Prompt;
import java.util.function.Supplier;
import java.util.regex.MatchResult;

/**
 * What a response template can quote: the prompt, the rule's regex match, and the default
 * rewrite (computed only if a template asks for it).
 */
public final class TemplateContext {
    private final Prompt prompt;
    private final MatchResult match;
    private final long seed;
    private final Supplier<String> rewrite;
    private String rewriteCache;

    public TemplateContext(Prompt prompt, MatchResult match, long seed, Supplier<String> rewrite) {
        this.prompt = prompt;
        this.match = match;
        this.seed = seed;
        this.rewrite = rewrite;
    }

    public Prompt prompt() {
        return prompt;
    }

    public MatchResult match() {
        return match;
    }

    public long seed() {
        return seed;
    }

    public String rewrite() {
        if (rewriteCache == null) {
            rewriteCache = rewrite.get();
        }
        return rewriteCache;
    }
}
