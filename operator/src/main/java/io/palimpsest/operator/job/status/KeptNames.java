package io.palimpsest.operator.job.status;

import io.palimpsest.api.worker.VariantCounts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A job's counts by name (records written per variant, documents rejected per reason) as its status
 * keeps them: bounded like {@link VariantCounts} (at most {@link VariantCounts#MAX_NAMED} names, the
 * rest summed under {@link VariantCounts#OTHER}), but a name, once named, stays named while the job
 * lives. Which names are named is decided by first appearance, not by rank: a later name that
 * overtakes an earlier one goes under {@code (other)}, and the earlier one keeps its own count. So no
 * count ever goes down (the per-reason series exported from it, {@code palimpsest_job_rejected},
 * only rise), and {@code (other)} holds only names never named.
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
     * The counts replaced by authoritative totals (a tally of the receipts, itself capped by rank), the names
     * of {@code previous} still named. A name the totals summed under {@code (other)} keeps its previous count,
     * taken out of the totals' {@code (other)}, which holds at least that much: the previous counts came from
     * the shards' summaries, a part of the receipts. The totals' other names are named while fewer than the cap
     * are, as in {@link #merge}.
     */
    public static Map<String, Long> replace(Map<String, Long> previous, Map<String, Long> totals) {
        if (previous == null || previous.isEmpty()) {
            return merge(null, totals);
        }
        Map<String, Long> fresh = totals == null ? Map.of() : totals;
        TreeMap<String, Long> out = new TreeMap<>();
        long other = fresh.getOrDefault(VariantCounts.OTHER, 0L);
        for (Map.Entry<String, Long> e : previous.entrySet()) {
            String name = e.getKey();
            if (VariantCounts.OTHER.equals(name)) {
                continue;
            }
            Long total = fresh.get(name);
            long count = total != null ? total : Math.min(e.getValue(), other);
            if (total == null) {
                other -= count;
            }
            out.put(name, count);
        }
        for (Map.Entry<String, Long> e : ranked(fresh)) {
            if (out.containsKey(e.getKey())) {
                continue;
            }
            if (out.size() < VariantCounts.MAX_NAMED) {
                out.put(e.getKey(), e.getValue());
            } else {
                other += e.getValue();
            }
        }
        if (other > 0) {
            out.put(VariantCounts.OTHER, other);
        }
        return out;
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
