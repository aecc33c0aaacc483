package io.palimpsest.api.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts by name (records written per variant, documents rejected per reason), kept bounded
 * wherever they travel (a 4 KiB termination message, the job status): at most {@link #MAX_NAMED} variant names (those with the most records), the rest
 * summed under {@link #OTHER}.
 * Recipes name a handful of variants, so the cap only guards against a generated recipe with many.
 */
public final class VariantCounts {

    public static final int MAX_NAMED = 32;
    public static final String OTHER = "(other)";

    private VariantCounts() {}

    /** {@code into} plus {@code add}, names beyond the cap summed under {@link #OTHER}; null stays null. */
    public static Map<String, Long> merge(Map<String, Long> into, Map<String, Long> add) {
        if ((into == null || into.isEmpty()) && (add == null || add.isEmpty())) {
            return into;
        }
        TreeMap<String, Long> merged = new TreeMap<>();
        if (into != null) {
            into.forEach((name, n) -> merged.merge(name, n, Long::sum));
        }
        if (add != null) {
            add.forEach((name, n) -> merged.merge(name, n, Long::sum));
        }
        return capped(merged);
    }

    /** Keeps the names with the most records (ties by name), so the variants that matter stay visible. */
    private static Map<String, Long> capped(TreeMap<String, Long> counts) {
        long other = counts.getOrDefault(OTHER, 0L);
        counts.remove(OTHER);
        TreeMap<String, Long> kept = new TreeMap<>();
        List<Map.Entry<String, Long>> ranked = new ArrayList<>(counts.entrySet());
        ranked.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        for (Map.Entry<String, Long> entry : ranked) {
            if (kept.size() < MAX_NAMED) {
                kept.put(entry.getKey(), entry.getValue());
            } else {
                other += entry.getValue();
            }
        }
        if (other > 0) {
            kept.put(OTHER, other);
        }
        return kept;
    }
}
