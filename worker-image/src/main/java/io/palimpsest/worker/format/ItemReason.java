package io.palimpsest.worker.format;

import io.palimpsest.api.recipe.PreFilter;
import io.palimpsest.api.recipe.ValidatorSpec;
import java.util.Optional;

/**
 * The worker's one catalogue of reasons why an input item produced no output: the stable code written
 * to rejects files, receipts, skip counts, metrics labels, summaries, reports and {@code palimpsest
 * validate} verdicts, and whether it counts as rejected (something is wrong) or skipped (nothing to
 * do). Every component that rejects or skips takes this type, so a code cannot be spelled two ways.
 * The codes are part of the interface: users keep rejects files and pass them to
 * {@code retry-rejects --reason}, so a code, once written, keeps its string. docs/RECIPES.md lists
 * them all ("Reject and skip reasons").
 */
public enum ItemReason {
    // The reader: a line or row that cannot become a document.
    MALFORMED_JSON("malformed_json", Outcome.REJECTED, true),
    NOT_AN_OBJECT("not_an_object", Outcome.REJECTED, true),
    MISSING_TEXT("missing_text", Outcome.REJECTED, true),
    TEXT_NOT_A_STRING("text_not_a_string", Outcome.REJECTED, true),
    INVALID_ID("invalid_id", Outcome.REJECTED, true),
    /**
     * A record without the {@code input.idField} the job names (not the default {@code id}): not a decode
     * failure of the file's start, since a corpus may start with records without ids; a file none of whose
     * records holds the field is refused by the planner instead.
     */
    MISSING_ID("missing_id", Outcome.REJECTED),
    LINE_TOO_LONG("line_too_long", Outcome.REJECTED),
    UNREADABLE_ROW("unreadable_row", Outcome.REJECTED, true),
    INVALID_UTF8("invalid_utf8", Outcome.REJECTED, true),
    TRAILING_DATA("trailing_data", Outcome.REJECTED, true),
    BLANK_LINE("blank_line", Outcome.SKIPPED),
    EMPTY_TEXT("empty_text", Outcome.SKIPPED),

    // The shard: an id seen before, a document whose retries ran out on the last attempt, a processor
    // that returned neither output nor a rejection.
    DUPLICATE_ID("duplicate_id", Outcome.REJECTED),
    MODEL_ERROR("model_error", Outcome.REJECTED),
    NO_OUTPUT("no_output", Outcome.REJECTED),

    // The recipe engine chose not to produce an output.
    FILTER_MIN_LENGTH("filter:minLength", Outcome.SKIPPED),
    FILTER_MAX_LENGTH("filter:maxLength", Outcome.SKIPPED),
    FILTER_REGEX("filter:regex", Outcome.SKIPPED),
    FILTER_METADATA("filter:metadata", Outcome.SKIPPED),
    FILTER_PYTHON_SYNTAX("filter:pythonSyntax", Outcome.SKIPPED),
    FILTER_PYTHON_LINT("filter:pythonLint", Outcome.SKIPPED),
    TOO_SHORT("too_short", Outcome.SKIPPED),
    NO_ROUTE("no_route", Outcome.SKIPPED),
    NO_CHUNKS("no_chunks", Outcome.SKIPPED),
    SHORT_CHUNK("short_chunk", Outcome.SKIPPED),
    INPUT_TOO_LONG("input_too_long", Outcome.SKIPPED),
    PROGRAM_DROP_DOC("program_drop_doc", Outcome.SKIPPED),
    PROGRAM_TOO_SHORT("program_too_short", Outcome.SKIPPED),
    DUPLICATE_PARAMS("duplicate_params", Outcome.SKIPPED),

    // The recipe engine could not produce a usable output.
    CONDITION_ERROR("condition_error", Outcome.REJECTED),
    TEMPLATE_ERROR("template_error", Outcome.REJECTED),
    MODEL_REJECTED("model_rejected", Outcome.REJECTED),
    INPUT_TOO_LONG_AFTER_CALLS("input_too_long_after_calls", Outcome.REJECTED),
    MISSING_SENTINEL("missing_sentinel", Outcome.REJECTED),
    NO_CODE("no_code", Outcome.REJECTED),
    PARSE_ERROR("parse_error", Outcome.REJECTED),
    EMPTY_OUTPUT("empty_output", Outcome.REJECTED),

    // A validator rejected the output: the code is the validator's type.
    TRUNCATION("truncation", Outcome.REJECTED),
    LENGTH_RATIO("lengthRatio", Outcome.REJECTED),
    LENGTH("length", Outcome.REJECTED),
    REPETITION("repetition", Outcome.REJECTED),
    REFUSAL("refusal", Outcome.REJECTED),
    ECHO("echo", Outcome.REJECTED),
    LANGUAGE("language", Outcome.REJECTED),
    COMPILES("compiles", Outcome.REJECTED),
    JUDGE("judge", Outcome.REJECTED),
    FACTS("facts", Outcome.REJECTED),

    // palimpsest validate only: a recipe's cleaning step would still change the output.
    PREAMBLE("preamble", Outcome.REJECTED),
    REASONING("reasoning", Outcome.REJECTED),
    MARKDOWN("markdown", Outcome.REJECTED),
    STRIP_PATTERN("stripPattern", Outcome.REJECTED);

    public enum Outcome {
        REJECTED,
        SKIPPED
    }

    private final String code;
    private final Outcome outcome;
    private final boolean decodeFailure;

    ItemReason(String code, Outcome outcome) {
        this(code, outcome, false);
    }

    ItemReason(String code, Outcome outcome, boolean decodeFailure) {
        this.code = code;
        this.outcome = outcome;
        this.decodeFailure = decodeFailure;
    }

    public String code() {
        return code;
    }

    /** The reason written as {@code code} in reject records, if there is one. */
    public static Optional<ItemReason> ofCode(String code) {
        for (ItemReason reason : values()) {
            if (reason.code.equals(code)) {
                return Optional.of(reason);
            }
        }
        return Optional.empty();
    }

    public Outcome outcome() {
        return outcome;
    }

    /**
     * The reader could not make a document of the line or row as the job describes it (format, text
     * field, encoding). Once or twice it is a bad line; for every line a file starts with, it is the
     * file or the job that is wrong ({@link FileStartCheck}). A line too long is not one: long
     * documents are real.
     */
    public boolean decodeFailure() {
        return decodeFailure;
    }

    /** The skip reason of a pre-filter of this type. */
    public static ItemReason ofFilter(PreFilter.Type type) {
        return switch (type) {
            case minLength -> FILTER_MIN_LENGTH;
            case maxLength -> FILTER_MAX_LENGTH;
            case regex -> FILTER_REGEX;
            case metadata -> FILTER_METADATA;
            case pythonSyntax -> FILTER_PYTHON_SYNTAX;
            case pythonLint -> FILTER_PYTHON_LINT;
        };
    }

    /** The reject reason of a validator of this type. */
    public static ItemReason ofValidator(ValidatorSpec.Type type) {
        return switch (type) {
            case truncation -> TRUNCATION;
            case lengthRatio -> LENGTH_RATIO;
            case length -> LENGTH;
            case repetition -> REPETITION;
            case refusal -> REFUSAL;
            case echo -> ECHO;
            case language -> LANGUAGE;
            case compiles -> COMPILES;
            case judge -> JUDGE;
            case facts -> FACTS;
        };
    }
}
