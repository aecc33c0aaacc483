package io.palimpsest.worker.recipe;

import io.palimpsest.worker.format.ItemReason;

/**
 * An output that was not written, or a document that was not processed, with a stable reason code.
 *
 * @param reason   from the catalogue: a validator type (truncation, echo, judge, ...), or
 *                 filter:&lt;type&gt;, template_error, parse_error, missing_sentinel, no_code, ...; it says
 *                 whether the output was rejected (something went wrong) or skipped (the recipe chose
 *                 not to produce it: a pre-filter, a route, a program's drop)
 * @param detail   a human-readable explanation (never matched on)
 * @param output   the rejected text, when there was one, for inspection
 * @param madeFrom the text {@code output} was made from (its chunk, the chunks it joins, or the document), so
 *                 a measure of the output compares like with like; null when there is no model output
 */
public record RejectRecord(
        ItemReason reason, String detail, String variant, String output, Provenance provenance, String madeFrom) {

    /** A reject with no model output to compare with what it was made from. */
    public RejectRecord(ItemReason reason, String detail, String variant, String output, Provenance provenance) {
        this(reason, detail, variant, output, provenance, null);
    }

    public ItemReason.Outcome outcome() {
        return reason.outcome();
    }
}
