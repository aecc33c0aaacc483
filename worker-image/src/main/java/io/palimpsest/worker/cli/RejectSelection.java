package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
 * document with output in some variant and a rejection in another is left out and counted, since
 * running it again would write that output a second time; so is one rejected for a reason asked for
 * and for another one too (counted with those other reasons, so the message can name them).
 */
final class RejectSelection {

    /** One document to run again: its id and source text, and the reasons it was rejected for. */
    record Chosen(String id, String text, Set<String> reasons) {}

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

    Result choose(Set<String> reasons, Collection<String> variants) {
        List<Chosen> chosen = new ArrayList<>();
        int partial = 0;
        int withoutText = 0;
        int otherReasons = 0;
        Set<String> others = new LinkedHashSet<>();
        for (Map.Entry<String, List<JsonNode>> entry : inForce.entrySet()) {
            List<JsonNode> records = entry.getValue();
            Set<String> why = new LinkedHashSet<>();
            Set<String> rejectedVariants = new LinkedHashSet<>();
            boolean whole = false;
            String text = null;
            for (JsonNode r : records) {
                if (!"rejected".equals(r.path("outcome").asText("rejected"))) {
                    continue; // skipped items (blank, duplicate) are not the model's doing
                }
                why.add(r.path("reason").asText());
                if (r.hasNonNull("variant")) {
                    rejectedVariants.add(r.get("variant").asText());
                } else {
                    whole = true;
                }
                if (text == null && r.hasNonNull("text")) {
                    text = r.get("text").asText();
                }
            }
            if (why.isEmpty() || why.stream().noneMatch(reasons::contains)) {
                continue;
            }
            if (!reasons.containsAll(why)) {
                otherReasons++;
                why.stream().filter(r -> !reasons.contains(r)).forEach(others::add);
                continue;
            }
            if (!whole && !rejectedVariants.containsAll(variants)) {
                partial++;
            } else if (text == null) {
                withoutText++;
            } else {
                chosen.add(new Chosen(entry.getKey(), text, why));
            }
        }
        return new Result(chosen, partial, withoutText, otherReasons, others);
    }
}
