package io.palimpsest.sim.rules;

import io.palimpsest.sim.Fault;
import io.palimpsest.sim.text.Prompt;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scripted answer: when {@code pattern} is found in the chosen part of the prompt, answer
 * {@code template} (and, optionally, inject {@code fault}).
 */
public record ResponseRule(
        String name, Pattern pattern, Target target, ResponseTemplate template, Optional<Fault> fault) {

    /** Which part of the prompt the pattern is searched in. */
    public enum Target {
        PROMPT(Prompt::matchText),
        DOCUMENT(Prompt::document),
        SYSTEM(Prompt::systemMessage);

        private final Function<Prompt, String> part;

        Target(Function<Prompt, String> part) {
            this.part = part;
        }

        String of(Prompt prompt) {
            return part.apply(prompt);
        }
    }

    public ResponseRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(fault, "fault");
        if (template == null && fault.isEmpty()) {
            throw new IllegalArgumentException("rule '" + name + "' needs a response or a fault");
        }
    }

    /** The match, if this rule applies to {@code prompt}. */
    public Optional<Matcher> match(Prompt prompt) {
        Matcher m = pattern.matcher(target.of(prompt));
        return m.find() ? Optional.of(m) : Optional.empty();
    }

    public Optional<ResponseTemplate> response() {
        return Optional.ofNullable(template);
    }
}
