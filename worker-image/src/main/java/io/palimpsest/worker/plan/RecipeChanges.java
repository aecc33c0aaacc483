package io.palimpsest.worker.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Which fields of a job's recipe differ from the recipe an output was made with, both read as they are
 * hashed ({@link io.palimpsest.api.worker.RecipeHash#canonicalJson}): what a recipe-drift refusal names
 * beside the two hashes. A field is named by its path in the RewriteJob, as lint names it ({@code
 * spec.recipe.prompts[1].user}), so a run from manifest files can put its line before the refusal; a short
 * value is shown on both sides ({@code 1024 -> 2048}), a prompt's text is not (the file has it).
 */
public final class RecipeChanges {

    /** Where the recipe is in a RewriteJob: the start of every path named. */
    public static final String RECIPE = "spec.recipe";

    /**
     * Fields named in the words; the rest are counted. With {@link #SHOWN_CHARS} it keeps the refusal within
     * what the job's condition quotes of the planner's message (2,048 characters) with the output's address
     * and both hashes.
     */
    static final int NAMED = 5;

    /** Longest value shown, and longest path; a longer path is cut (its line is still found from the whole). */
    static final int SHOWN_CHARS = 60;

    /** One field that differs: its path, and how the refusal says it. */
    public record Change(String path, String said) {}

    private RecipeChanges() {}

    /** The fields of {@code job} that differ from {@code recorded}, in the order of the canonical JSON. */
    public static List<Change> between(JsonNode recorded, JsonNode job) {
        List<Change> changes = new ArrayList<>();
        compare(RECIPE, recorded, job, changes);
        return changes;
    }

    /** The changes in words: the first {@link #NAMED}, then how many more. */
    public static String said(List<Change> changes) {
        List<String> named = new ArrayList<>();
        for (int i = 0; i < Math.min(NAMED, changes.size()); i++) {
            named.add(changes.get(i).said());
        }
        String more = changes.size() > NAMED ? "; and " + (changes.size() - NAMED) + " more" : "";
        return "changed: " + String.join("; ", named) + more;
    }

    private static void compare(String path, JsonNode was, JsonNode now, List<Change> changes) {
        if (present(was) && present(now) && was.equals(now)) {
            return;
        }
        if (!present(was) && !present(now)) {
            return;
        }
        if (present(was) && present(now) && was.isObject() && now.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            was.fieldNames().forEachRemaining(names::add);
            now.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                compare(path + "." + name, was.get(name), now.get(name), changes);
            }
            return;
        }
        if (present(was) && present(now) && was.isArray() && now.isArray()) {
            for (int i = 0; i < Math.max(was.size(), now.size()); i++) {
                compare(path + "[" + i + "]", was.get(i), now.get(i), changes);
            }
            return;
        }
        changes.add(new Change(path, said(path, was, now)));
    }

    private static String said(String path, JsonNode was, JsonNode now) {
        String named = path.length() > SHOWN_CHARS ? path.substring(0, SHOWN_CHARS) + "..." : path;
        if (!present(was)) {
            return named + (now.isContainerNode() ? " (added)" : " (unset) -> " + shown(now));
        }
        if (!present(now)) {
            return named + (was.isContainerNode() ? " (removed)" : " " + shown(was) + " -> (unset)");
        }
        if (shownWhole(was) && shownWhole(now)) {
            return named + " " + shown(was) + " -> " + shown(now);
        }
        return named;
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    /** A value short enough, on one line, to be said in the refusal. */
    private static boolean shownWhole(JsonNode node) {
        if (!node.isValueNode()) {
            return false;
        }
        String text = node.asText();
        return text.length() <= SHOWN_CHARS && text.indexOf('\n') < 0;
    }

    private static String shown(JsonNode node) {
        if (!shownWhole(node)) {
            return "(" + (node.isContainerNode() ? "a " + (node.isArray() ? "list" : "section") : "a longer text")
                    + ")";
        }
        return node.isTextual() ? "'" + node.asText() + "'" : node.asText();
    }
}
