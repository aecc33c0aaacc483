package io.palimpsest.operator.cluster;

import java.util.BitSet;
import java.util.stream.IntStream;

/**
 * The Job API's index range strings ({@code "0-2,5,7-9"}), written by the simulated Job
 * controller. Kept apart from the operator's own range arithmetic on purpose: the simulated
 * cluster is the independent side the operator is checked against.
 */
final class IndexRanges {

    private IndexRanges() {}

    static BitSet parse(String text) {
        BitSet set = new BitSet();
        if (text == null || text.isBlank()) {
            return set;
        }
        for (String part : text.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            if (dash < 0) {
                set.set(Integer.parseInt(p));
            } else {
                set.set(Integer.parseInt(p.substring(0, dash)), Integer.parseInt(p.substring(dash + 1)) + 1);
            }
        }
        return set;
    }

    /**
     * Ascending, as the Job controller writes intervals (orderedIntervals.String in
     * pkg/controller/job/indexed_job_utils.go): a run of two is {@code a,b}, a run of three or more
     * {@code a-b}; null for the empty set, as the API omits it.
     */
    static String format(BitSet set) {
        if (set.isEmpty()) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        int start = set.nextSetBit(0);
        while (start >= 0) {
            int end = set.nextClearBit(start) - 1;
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(start);
            if (end > start) {
                out.append(end == start + 1 ? ',' : '-').append(end);
            }
            start = set.nextSetBit(end + 1);
        }
        return out.toString();
    }

    static IntStream stream(String text) {
        return parse(text).stream();
    }
}
