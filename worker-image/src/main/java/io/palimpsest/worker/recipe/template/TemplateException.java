package io.palimpsest.worker.recipe.template;

import java.util.Optional;

/** A template failed to render; the message names the variant (or stage), the field and the line. */
public class TemplateException extends RuntimeException {
    private final String owner;
    private final String field;
    private final int line;
    private final String undefined;
    private final String problem;

    public TemplateException(String owner, String field, int line, String problem) {
        this(owner, field, line, problem, null);
    }

    /** @param undefined the dotted name that had no value ({@code meta.titel}), when that was the problem */
    public TemplateException(String owner, String field, int line, String problem, String undefined) {
        super(owner + ": template " + field + (line > 0 ? ", line " + line : "") + ": " + problem);
        this.owner = owner;
        this.field = field;
        this.line = line;
        this.undefined = undefined;
        this.problem = problem;
    }

    /** What is wrong, without the owner, field and line. */
    public String problem() {
        return problem;
    }

    public String owner() {
        return owner;
    }

    public String field() {
        return field;
    }

    public int line() {
        return line;
    }

    /** The dotted name that had no value ({@code meta.titel}, {@code stages.review.code}), if that was it. */
    public Optional<String> undefined() {
        return Optional.ofNullable(undefined);
    }
}
