package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.palimpsest.worker.format.ItemReason;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which rejected documents a retry round runs again. The rejects in force are the original run's,
 * each replaced by the latest round that ran the document again (a document a round wrote is no
 * longer rejected; one it rejected is rejected with the round's reason). A document is chosen when
 * its rejection is whole (no variant written) and every reason is among those asked for; a
 * document with output in some variant (as the committed outputs hold it: with routes or fan-out, a document
 * rejected in the only variant it was given has none) and a rejection in another is left out and counted, since
 * running it again would write that output a second time; so is one rejected for a reason asked for
 * and for another one too (counted with those other reasons, so the message can name them).
 */
final class RejectSelection {

    /**
     * One document to run again: its id and source text, the reasons it was rejected for, the record's other
     * fields as its reject kept them ({@code meta} to routes and templates; null when the reject has none), and the
     * line of the campaign's input it came from (null when the reject names none).
     */
    record Chosen(String id, String text, Set<String> reasons, JsonNode metadata, String file, Long line) {}

    /**
     * @param otherReasons documents rejected for a reason asked for and also for others, left out
     * @param others those other reasons
     */
    record Result(List<Chosen> chosen, int partial, int withoutText, int otherReasons, Set<String> others) {}

    private final Map<String, List<JsonNode>> inForce = new LinkedHashMap<>();

    /** The original run's rejects. */
    void original(Collection<JsonNode> rejects) {
        rejects.forEach(r -> inForce.computeIfAbsent(r.path("id").asText(), id -> new ArrayList<>())
                .add(r));
    }

    /** A round that ran {@code retriedIds} again and rejected {@code rejects} of them. */
    void round(Collection<String> retriedIds, Collection<JsonNode> rejects) {
        retriedIds.forEach(inForce::remove);
        original(rejects);
    }

    /**
     * The documents a round could run again for {@code reasons} whose rejects name variants only (no whole-document
     * reject): each may have been written in a variant it was not rejected in, which only the committed outputs tell
     * (routes and fan-out give documents different variants). Their ids go to {@link #choose} with those written.
     */
    Set<String> rejectedInVariants(Set<String> reasons) {
        Set<String> ids = new LinkedHashSet<>();
        inForce.forEach((id, records) -> {
            Rejection rejection = Rejection.of(records);
            if (rejection.asked(reasons) && !rejection.whole()) {
                ids.add(id);
            }
        });
        return ids;
    }

    /**
     * @param writtenSomewhere among {@link #rejectedInVariants}, the documents the committed outputs hold in some
     *     variant: running them again would write that variant twice
     */
    Result choose(Set<String> reasons, Set<String> writtenSomewhere) {
        List<Chosen> chosen = new ArrayList<>();
        int partial = 0;
        int withoutText = 0;
        int otherReasons = 0;
        Set<String> others = new LinkedHashSet<>();
        for (Map.Entry<String, List<JsonNode>> entry : inForce.entrySet()) {
            Rejection rejection = Rejection.of(entry.getValue());
            if (rejection.why().isEmpty() || rejection.why().stream().noneMatch(reasons::contains)) {
                continue;
            }
            if (!reasons.containsAll(rejection.why())) {
                otherReasons++;
                rejection.why().stream().filter(r -> !reasons.contains(r)).forEach(others::add);
                continue;
            }
            if (!rejection.whole() && writtenSomewhere.contains(entry.getKey())) {
                partial++;
            } else if (rejection.text() == null) {
                withoutText++;
            } else {
                chosen.add(new Chosen(
                        entry.getKey(),
                        rejection.text(),
                        rejection.why(),
                        rejection.metadata(),
                        rejection.file(),
                        rejection.line()));
            }
        }
        return new Result(chosen, partial, withoutText, otherReasons, others);
    }

    /** A document's rejects in force: their reasons, whether one is of the whole document, and its source text. */
    private record Rejection(Set<String> why, boolean whole, String text, JsonNode metadata, String file, Long line) {
        static Rejection of(List<JsonNode> records) {
            Set<String> why = new LinkedHashSet<>();
            boolean whole = false;
            String text = null;
            JsonNode metadata = null;
            String file = null;
            Long line = null;
            for (JsonNode r : records) {
                if (!"rejected".equals(r.path("outcome").asText("rejected"))) {
                    continue; // skipped items (blank, duplicate) are not the model's doing
                }
                if (ItemReason.DUPLICATE_ID.code().equals(r.path("reason").asText())) {
                    // a later item repeating the id: another item than the document in force, never run again
                    continue;
                }
                why.add(r.path("reason").asText());
                if (!r.hasNonNull("variant")) {
                    whole = true;
                }
                if (text == null && r.hasNonNull("text")) {
                    text = r.get("text").asText();
                    if (r.path("file").isTextual() && r.path("line").canConvertToLong()) {
                        file = r.get("file").textValue();
                        line = r.get("line").longValue();
                    }
                }
                if (metadata == null && r.path("metadata").isObject()) {
                    metadata = r.get("metadata");
                }
            }
            return new Rejection(why, whole, text, metadata, file, line);
        }

        boolean asked(Set<String> reasons) {
            return !why.isEmpty() && reasons.containsAll(why);
        }
    }
}
