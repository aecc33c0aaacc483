package io.palimpsest.worker.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.SourcePosition;
import io.palimpsest.worker.format.UnusableItem;

/**
 * Builds the rejects-file record of an item: where it came from, why, and (for a readable
 * document) its text and metadata, so rejected documents can be inspected and re-run on their own.
 */
final class RejectRecords {

    /** The words of the text a rejected output was made from: its chunk, the chunks it joins, or the document. */
    static final String MADE_FROM_WORDS = "madeFromWords";

    private final ObjectMapper json;

    RejectRecords(ObjectMapper json) {
        this.json = json;
    }

    ObjectNode of(InputItem item, Rejection rejection) {
        ObjectNode record = json.createObjectNode();
        String id = item instanceof Document doc ? doc.id() : ((UnusableItem) item).id();
        if (id != null) {
            record.put("id", id);
        }
        record.put("reason", rejection.reason().code());
        record.put("outcome", rejection.outcome().name().toLowerCase());
        if (rejection.detail() != null) {
            record.put("detail", rejection.detail());
        }
        if (rejection.variant() != null) {
            record.put("variant", rejection.variant());
        }
        if (rejection.output() != null) {
            record.put("output", rejection.output());
            if (rejection.madeFromWords() != null) {
                // what a length ratio of the output is taken against (a rejected chunk's words, not the document's),
                // so show measures it as the validator and preview did without keeping the chunk's text
                record.put(MADE_FROM_WORDS, rejection.madeFromWords());
            }
        }
        // a document names the line of the campaign's input it came from, also when a retry round read it
        SourcePosition at = item instanceof Document doc ? doc.origin() : item.position();
        record.put("file", at.file());
        record.put("line", at.line());
        if (item instanceof Document doc) {
            record.put("text", doc.text());
            if (!doc.metadata().isEmpty()) {
                record.set("metadata", doc.metadata());
            }
        }
        return record;
    }
}
