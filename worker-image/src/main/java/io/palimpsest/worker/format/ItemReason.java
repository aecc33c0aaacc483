package io.palimpsest.worker.format;

/**
 * Why an input item did not produce an output, as a stable code (used in rejects files, receipts
 * and status) and whether it counts as rejected (something is wrong) or skipped (nothing to do).
 */
public enum ItemReason {
    MALFORMED_JSON("malformed_json", Outcome.REJECTED),
    NOT_AN_OBJECT("not_an_object", Outcome.REJECTED),
    MISSING_TEXT("missing_text", Outcome.REJECTED),
    TEXT_NOT_A_STRING("text_not_a_string", Outcome.REJECTED),
    LINE_TOO_LONG("line_too_long", Outcome.REJECTED),
    UNREADABLE_ROW("unreadable_row", Outcome.REJECTED),
    INVALID_UTF8("invalid_utf8", Outcome.REJECTED),
    TRAILING_DATA("trailing_data", Outcome.REJECTED),
    BLANK_LINE("blank_line", Outcome.SKIPPED),
    EMPTY_TEXT("empty_text", Outcome.SKIPPED),
    DUPLICATE_ID("duplicate_id", Outcome.REJECTED),
    TEMPLATE_ERROR("template_error", Outcome.REJECTED),
    TRUNCATED("truncated", Outcome.REJECTED),
    EMPTY_OUTPUT("empty_output", Outcome.REJECTED),
    MODEL_REJECTED("model_rejected", Outcome.REJECTED),
    MODEL_ERROR("model_error", Outcome.REJECTED);

    public enum Outcome { REJECTED, SKIPPED }

    private final String code;
    private final Outcome outcome;

    ItemReason(String code, Outcome outcome) {
        this.code = code;
        this.outcome = outcome;
    }

    public String code() {
        return code;
    }

    public Outcome outcome() {
        return outcome;
    }
}
