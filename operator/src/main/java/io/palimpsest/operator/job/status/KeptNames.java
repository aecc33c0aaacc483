package io.palimpsest.operator.job.status;

import io.palimpsest.api.worker.VariantCounts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A job's counts by name (records written per variant, documents rejected or skipped per reason) as its status
 * keeps them: bounded like {@link VariantCounts} (at most {@link VariantCounts#MAX_NAMED} names, the
 * rest summed under {@link VariantCounts#OTHER}), but a name, once named, stays named while the job
 * lives. Which names are named is decided by first appearance, not by rank: a later name that
 * overtakes an earlier one goes under {@code (other)}, and the earlier one keeps its own count. So
 * between tallies no count goes down (the per-reason series exported from it,
 * {@code palimpsest_job_rejected} and {@code palimpsest_job_skipped}, only rise), and {@code (other)} holds only
 * names never named. The
 * receipts' tally is the exception ({@link #replace}): its totals are the counts, and a name it ranked
 * out of its own 32 is summed under {@code (other)} rather than left with a count nothing updates.
 */
public final class KeptNames {

    private KeptNames() {}

    /**
     * {@code into} (the status's counts) plus {@code add} (a shard's): the names of {@code into} stay named,
     * a new name is named while fewer than the cap are (the ones with the most records first, ties by name),
     * the rest go under {@code (other)}. Null and empty stay as they are.
     */
    public static Map<String, Long> merge(Map<String, Long> into, Map<String, Long> add) {
        if ((into == null || into.isEmpty()) && (add == null || add.isEmpty())) {
            return into;
        }
        TreeMap<String, Long> out = new TreeMap<>();
        long other = 0;
        if (into != null) {
            for (Map.Entry<String, Long> e : into.entrySet()) {
                if (VariantCounts.OTHER.equals(e.getKey())) {
                    other += e.getValue();
                } else {
                    out.put(e.getKey(), e.getValue());
                }
            }
        }
        if (add != null) {
            other += add.getOrDefault(VariantCounts.OTHER, 0L);
            for (Map.Entry<String, Long> e : ranked(add)) {
                if (out.containsKey(e.getKey())) {
                    out.merge(e.getKey(), e.getValue(), Long::sum);
                } else if (out.size() < VariantCounts.MAX_NAMED) {
                    out.put(e.getKey(), e.getValue());
                } else {
                    other += e.getValue();
                }
            }
        }
        if (other > 0) {
            out.put(VariantCounts.OTHER, other);
        }
        return out;
    }

    /**
     * The counts replaced by authoritative totals (a tally of the receipts, itself capped by rank): the totals'
     * names with the totals' counts. A name of {@code previous} the totals summed under {@code (other)} is no
     * longer named: its true count is somewhere in that {@code (other)} and nowhere else, so keeping it named
     * would keep a count (the summaries', a part of the receipts) that nothing updates any more, a series
     * stuck below the truth beside an {@code (other)} that holds the rest of it. Dropped, its series goes
     * and {@code (other)} holds all of it, as the tally says. Only a tally takes a name away; a shard's
     * summary never does ({@link #merge}).
     */
    public static Map<String, Long> replace(Map<String, Long> previous, Map<String, Long> totals) {
        if ((totals == null || totals.isEmpty()) && (previous == null || previous.isEmpty())) {
            return previous;
        }
        return merge(null, totals == null ? Map.of() : totals);
    }

    /** The named entries, most records first, ties by name. */
    private static List<Map.Entry<String, Long>> ranked(Map<String, Long> counts) {
        List<Map.Entry<String, Long>> ranked = new ArrayList<>();
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (!VariantCounts.OTHER.equals(e.getKey())) {
                ranked.add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        ranked.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return ranked;
    }
}
