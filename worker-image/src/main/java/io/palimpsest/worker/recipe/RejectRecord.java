package io.palimpsest.worker.recipe;

/**
 * An output that was not written, or a document that was not processed, with a stable reason code.
 *
 * @param kind     REJECTED when something went wrong (a validator failed, the reply was unusable),
 *                 SKIPPED when the recipe chose not to produce it (a pre-filter, a route, a program's drop)
 * @param reason   machine-readable code: a validator type (truncation, echo, judge, ...), or
 *                 filter:&lt;type&gt;, template_error, parse_error, missing_sentinel, no_code, ...
 * @param detail   a human-readable explanation (never matched on)
 * @param output   the rejected text, when there was one, for inspection
 */
public record RejectRecord(Kind kind, String reason, String detail, String variant, String output,
                           Provenance provenance) {
    public enum Kind { REJECTED, SKIPPED }
}
