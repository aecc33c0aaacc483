package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which rejects a retry round runs again, and how the ones left out are counted: every document rejected
 * for a reason asked for is either chosen or counted with why it was left out, so the counts add up to
 * what the receipt and tally report under that reason.
 */
class RejectSelectionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode reject(String id, String variant, String reason) {
        return JSON.createObjectNode()
                .put("id", id)
                .put("variant", variant)
                .put("reason", reason)
                .put("outcome", "rejected")
                .put("text", "source of " + id);
    }

    @Test
    void aDocumentAlsoRejectedForAnotherReasonIsCountedAndNamedNotDroppedSilently() {
        RejectSelection selection = new RejectSelection();
        selection.original(List.of(
                reject("both-judge", "a", "judge"),
                reject("both-judge", "b", "judge"),
                reject("judge-and-facts", "a", "judge"),
                reject("judge-and-facts", "b", "facts"),
                reject("only-facts", "a", "facts"),
                reject("only-facts", "b", "facts"),
                reject("written-in-b", "a", "judge"),
                reject("routed-to-a-only", "a", "judge")));

        assertEquals(
                Set.of("both-judge", "written-in-b", "routed-to-a-only"),
                selection.rejectedInVariants(Set.of("judge")),
                "whether they were written in another variant only the outputs tell");
        RejectSelection.Result result = selection.choose(Set.of("judge"), Set.of("written-in-b"));

        assertEquals(
                List.of("both-judge", "routed-to-a-only"),
                result.chosen().stream().map(RejectSelection.Chosen::id).toList());
        assertEquals(1, result.partial(), "written in another variant");
        assertEquals(1, result.otherReasons(), "rejected for judge and for facts: left out, counted");
        assertEquals(Set.of("facts"), result.others());

        RejectSelection.Result both = selection.choose(Set.of("judge", "facts"), Set.of("written-in-b"));
        assertEquals(4, both.chosen().size());
        assertEquals(0, both.otherReasons());
    }
    /**
     * A document rejected for a reason asked for whose id a later record repeats: the repeat's duplicate_id reject is
     * another item's (it has no text and is never run again), so the document is chosen for its own reason alone,
     * where it was left out as "also rejected for duplicate_id".
     */
    @Test
    void theRejectOfARepeatedIdIsNotTheFirstDocumentsOwn() {
        RejectSelection selection = new RejectSelection();
        JsonNode repeat = JSON.createObjectNode()
                .put("id", "x")
                .put("reason", "duplicate_id")
                .put("outcome", "rejected")
                .put("detail", "id 'x' came before at a.jsonl:1");
        JsonNode first = JSON.createObjectNode()
                .put("id", "x")
                .put("reason", "model_error")
                .put("outcome", "rejected")
                .put("text", "source of x");
        selection.original(List.of(first, repeat));

        RejectSelection.Result result = selection.choose(Set.of("model_error"), Set.of());

        assertEquals(
                List.of("x"),
                result.chosen().stream().map(RejectSelection.Chosen::id).toList());
        assertEquals(Set.of("model_error"), result.chosen().get(0).reasons(), "retried for its own reason");
        assertEquals(0, result.otherReasons(), result.others().toString());
    }
}
