package io.palimpsest.worker.recipe.template;

/** A template failed to render; the message names the variant (or stage), the field and the line. */
public class TemplateException extends RuntimeException {
    private final String owner;
    private final String field;
    private final int line;

    public TemplateException(String owner, String field, int line, String problem) {
        super(owner + ": template " + field + (line > 0 ? ", line " + line : "") + ": " + problem);
        this.owner = owner;
        this.field = field;
        this.line = line;
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
}
