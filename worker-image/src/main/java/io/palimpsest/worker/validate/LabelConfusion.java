package io.palimpsest.worker.validate;

import io.palimpsest.worker.recipe.validate.CheckFailure;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Verdicts against a label field: per label value (a defect class, or a clean label), how many
 * pairs were rejected and by which reasons; per reason, how often it fired on clean pairs (false
 * rejects) and on defective ones. A label names the truth, a reason the validator, and the two
 * vocabularies need not match, so the table is label x reason rather than a 2x2 per validator.
 * Memory is bounded: labels past {@link #MAX_LABELS} distinct values share one row. A pair without
 * a label is counted apart, in no class and no rate; clean labels are matched in any case.
 */
public final class LabelConfusion {
    public static final int MAX_LABELS = 256;
    public static final String OTHER = "(other labels)";
    public static final Set<String> DEFAULT_CLEAN = Set.of("faithful", "clean", "none", "ok", "good");

    /** Counts of one label value. */
    public static final class Row {
        long pairs;
        long rejected;
        final Map<String, Long> byReason = new TreeMap<>();

        public long pairs() {
            return pairs;
        }

        public long rejected() {
            return rejected;
        }

        public Map<String, Long> byReason() {
            return byReason;
        }

        public double rejectedRate() {
            return pairs == 0 ? 0 : (double) rejected / pairs;
        }
    }

    /** Counts of one reason across labels. */
    public static final class ReasonRow {
        long onClean;
        long onDefects;
        long onlyCatch;

        public long onClean() {
            return onClean;
        }

        public long onDefects() {
            return onDefects;
        }

        /** Defective pairs no other reason caught: what would be lost without this validator. */
        public long onlyCatch() {
            return onlyCatch;
        }
    }

    private final String field;
    private final Set<String> clean;
    private final Map<String, Row> rows = new TreeMap<>();
    private final Map<String, ReasonRow> reasons = new TreeMap<>();
    private long cleanPairs;
    private long defectPairs;
    private long unlabelledPairs;

    public LabelConfusion(String field, Set<String> cleanLabels) {
        this.field = field;
        Set<String> lower = new TreeSet<>(); // sorted, so reports are stable
        cleanLabels.forEach(l -> lower.add(l.toLowerCase(Locale.ROOT)));
        this.clean = lower;
    }

    public void add(PairVerdict v) {
        if (!v.readable()) {
            return;
        }
        if (v.label() == null || v.label().isBlank()) {
            // no truth to compare with: neither clean nor a defect, counted apart
            unlabelledPairs++;
            return;
        }
        // a clean label in any case is the clean class ("Faithful" and "faithful" are one row)
        String label = isClean(v.label()) ? v.label().toLowerCase(Locale.ROOT) : v.label();
        if (!rows.containsKey(label) && rows.size() >= MAX_LABELS) {
            label = OTHER;
        }
        Row row = rows.computeIfAbsent(label, k -> new Row());
        boolean isClean = isClean(label);
        row.pairs++;
        if (isClean) {
            cleanPairs++;
        } else {
            defectPairs++;
        }
        if (v.rejections().isEmpty()) {
            return;
        }
        row.rejected++;
        List<CheckFailure> rs = v.rejections();
        for (CheckFailure r : rs) {
            row.byReason.merge(r.reason().code(), 1L, Long::sum);
            ReasonRow rr = reasons.computeIfAbsent(r.reason().code(), k -> new ReasonRow());
            if (isClean) {
                rr.onClean++;
            } else {
                rr.onDefects++;
                if (rs.size() == 1) {
                    rr.onlyCatch++;
                }
            }
        }
    }

    public boolean isClean(String label) {
        return label != null && clean.contains(label.toLowerCase(Locale.ROOT));
    }

    public String field() {
        return field;
    }

    public Set<String> cleanLabels() {
        return clean;
    }

    public Map<String, Row> rows() {
        return rows;
    }

    public Map<String, ReasonRow> reasons() {
        return reasons;
    }

    public long cleanPairs() {
        return cleanPairs;
    }

    public long defectPairs() {
        return defectPairs;
    }

    /** Pairs without a label (the field absent, null or blank): in no class, no total and no rate. */
    public long unlabelledPairs() {
        return unlabelledPairs;
    }

    /** Share of clean pairs rejected. */
    public double falseRejectRate() {
        long rejected = rows.entrySet().stream()
                .filter(e -> isClean(e.getKey()))
                .mapToLong(e -> e.getValue().rejected)
                .sum();
        return cleanPairs == 0 ? 0 : (double) rejected / cleanPairs;
    }
}
