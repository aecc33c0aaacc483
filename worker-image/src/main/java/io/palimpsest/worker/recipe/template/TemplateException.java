package io.palimpsest.worker.recipe.template;

import io.palimpsest.worker.format.ItemReason;
import java.util.Optional;

/**
 * A template failed to render; the message names the variant (or stage, or judge), the field and the
 * line. {@link #reason()} says whose fault it is: the template's ({@code template_error}), or a model
 * reply's that lacked a field the template reads ({@link ReplyFieldMissing}, {@code parse_error}).
 */
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

    /** Why the unit is rejected: {@code template_error} here. */
    public ItemReason reason() {
        return ItemReason.TEMPLATE_ERROR;
    }

    /** The message without the owner: "template user, line 2: ..." (for a detail that already names it). */
    public String located() {
        return "template " + field + (line > 0 ? ", line " + line : "") + ": " + problem;
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
