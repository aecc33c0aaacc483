package io.palimpsest.worker.run;

import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.text.Plural;
import java.util.List;

/**
 * How the part of an output's totals that earlier recipes made is said, in the same words by every
 * command that states the totals ({@code local}'s summary, {@code tally} beside its JSON), so that
 * two readers of one output see the same figures and the same mix.
 */
public final class EarlierRecipes {

    /** Characters of a recipe hash shown after {@code sha256:}: enough to tell recipes apart. */
    static final int HASH_SHOWN = 12;

    private EarlierRecipes() {}

    /**
     * One line per earlier recipe, e.g. "of which read 6, written 6, rejected 0, skipped 0 in 1 shard
     * under the earlier recipe sha256:647f0a1b2c3d (committed before a recipe change was accepted)";
     * none when every receipt names the job's recipe.
     */
    public static List<String> lines(Tally tally) {
        if (tally.getEarlierRecipes() == null) {
            return List.of();
        }
        return tally.getEarlierRecipes().stream().map(EarlierRecipes::line).toList();
    }

    static String line(Tally.EarlierRecipe recipe) {
        return String.format(
                        "of which read %d, written %d, rejected %d, skipped %d in %s under ",
                        recipe.getRead(),
                        recipe.getWritten(),
                        recipe.getRejected(),
                        recipe.getSkipped(),
                        Plural.of(recipe.getReceipts(), "shard"))
                + (recipe.getRecipeHash() == null
                        ? "a recipe their receipts do not name (written before receipts named it)"
                        : "the earlier recipe " + shortHash(recipe.getRecipeHash())
                                + " (committed before a recipe change was accepted)");
    }

    /** {@code sha256:} and the first {@link #HASH_SHOWN} hex digits; another form as it is. */
    static String shortHash(String hash) {
        String prefix = "sha256:";
        return hash.startsWith(prefix) && hash.length() > prefix.length() + HASH_SHOWN
                ? hash.substring(0, prefix.length() + HASH_SHOWN)
                : hash;
    }
}
