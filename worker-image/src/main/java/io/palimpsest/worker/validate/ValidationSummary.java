package io.palimpsest.worker.validate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.recipe.validate.CheckFailure;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What an audit found, in memory bounded by the number of reason codes and labels, not of pairs:
 * counts by outcome and by reason, the first few unreadable lines, and the label confusion table
 * when a label field was named. Printed as a table and written as the JSON report.
 */
public final class ValidationSummary {
    static final int KEPT_PROBLEMS = 10;

    private long pairs;
    private long accepted;
    private long rejected;
    private long unreadable;
    private final Map<String, Long> reasons = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    private final LabelConfusion labels;

    public ValidationSummary(LabelConfusion labels) {
        this.labels = labels;
    }

    public void add(PairVerdict v) {
        if (!v.readable()) {
            unreadable++;
            if (problems.size() < KEPT_PROBLEMS) {
                problems.add("line " + v.line() + ": " + v.problem());
            }
            return;
        }
        pairs++;
        if (v.accepted()) {
            accepted++;
        } else {
            rejected++;
            for (CheckFailure r : v.rejections()) {
                reasons.merge(r.reason().code(), 1L, Long::sum);
            }
        }
        if (labels != null) {
            labels.add(v);
        }
    }

    public long pairs() {
        return pairs;
    }

    public long accepted() {
        return accepted;
    }

    public long rejected() {
        return rejected;
    }

    public long unreadable() {
        return unreadable;
    }

    public Map<String, Long> reasons() {
        return reasons;
    }

    public LabelConfusion labels() {
        return labels;
    }

    public ObjectNode toJson(ObjectMapper json, List<String> gates, List<String> skipped) {
        ObjectNode root = json.createObjectNode();
        root.put("pairs", pairs);
        root.put("accepted", accepted);
        root.put("rejected", rejected);
        root.put("unreadable", unreadable);
        ArrayNode gateNames = root.putArray("validators");
        gates.forEach(gateNames::add);
        if (!skipped.isEmpty()) {
            ArrayNode s = root.putArray("skipped");
            skipped.forEach(s::add);
        }
        ObjectNode byReason = root.putObject("reasons");
        reasons.forEach(byReason::put);
        if (!problems.isEmpty()) {
            ArrayNode p = root.putArray("unreadableLines");
            problems.forEach(p::add);
        }
        if (labels != null) {
            ObjectNode l = root.putObject("labels");
            l.put("field", labels.field());
            ArrayNode clean = l.putArray("clean");
            labels.cleanLabels().forEach(clean::add);
            l.put("cleanPairs", labels.cleanPairs());
            l.put("defectPairs", labels.defectPairs());
            l.put("unlabelledPairs", labels.unlabelledPairs());
            l.put("falseRejectRate", labels.falseRejectRate());
            ObjectNode classes = l.putObject("classes");
            labels.rows().forEach((label, row) -> {
                ObjectNode c = classes.putObject(label);
                c.put("clean", labels.isClean(label));
                c.put("pairs", row.pairs());
                c.put("rejected", row.rejected());
                c.put(labels.isClean(label) ? "falseRejectRate" : "detectionRate", row.rejectedRate());
                ObjectNode br = c.putObject("byReason");
                row.byReason().forEach(br::put);
            });
            ObjectNode perReason = l.putObject("perReason");
            labels.reasons().forEach((reason, rr) -> {
                ObjectNode r = perReason.putObject(reason);
                r.put("onClean", rr.onClean());
                r.put("falseRejectRate", labels.cleanPairs() == 0 ? 0 : (double) rr.onClean() / labels.cleanPairs());
                r.put("onDefects", rr.onDefects());
                r.put("detectionRate", labels.defectPairs() == 0 ? 0 : (double) rr.onDefects() / labels.defectPairs());
                r.put("onlyCatch", rr.onlyCatch());
            });
        }
        return root;
    }

    public void print(PrintStream out) {
        out.printf(
                Locale.ROOT,
                "pairs %d: accepted %d, rejected %d%s%n",
                pairs,
                accepted,
                rejected,
                unreadable == 0 ? "" : ", unreadable " + unreadable);
        problems.forEach(p -> out.println("  unreadable " + p));
        if (!reasons.isEmpty()) {
            out.println();
            // each share is of all pairs; a rejected pair is counted under each of its reasons, so the shares may
            // add up to more than the rejected share: said under the table when they do
            out.printf(Locale.ROOT, "%-16s %10s %12s%n", "reason", "pairs", "of all pairs");
            reasons.forEach((r, n) -> out.printf(Locale.ROOT, "%-16s %10d %12s%n", r, n, percent(n, pairs)));
            long counted = reasons.values().stream().mapToLong(Long::longValue).sum();
            if (counted > rejected) {
                out.printf(
                        Locale.ROOT,
                        "a rejected pair is counted under each of its reasons: these add up to %s, the %d rejected"
                                + " pairs are %s of all pairs%n",
                        percent(counted, pairs),
                        rejected,
                        percent(rejected, pairs));
            }
        }
        if (labels != null) {
            printConfusion(out);
        }
    }

    private void printConfusion(PrintStream out) {
        List<String> columns = new ArrayList<>(new TreeSet<>(reasons.keySet()));
        int width = Math.max(
                22,
                labels.rows().keySet().stream().mapToInt(String::length).max().orElse(0) + 8);
        out.println();
        out.printf(Locale.ROOT, "%-" + width + "s %7s %8s %8s", labels.field(), "pairs", "rejected", "rate");
        columns.forEach(c -> out.printf(Locale.ROOT, " %" + Math.max(7, c.length()) + "s", c));
        out.println();
        labels.rows().forEach((label, row) -> {
            String name = labels.isClean(label) ? label + " (clean)" : label;
            out.printf(
                    Locale.ROOT,
                    "%-" + width + "s %7d %8d %8s",
                    name,
                    row.pairs(),
                    row.rejected(),
                    percent(row.rejected(), row.pairs()));
            columns.forEach(c -> out.printf(
                    Locale.ROOT,
                    " %" + Math.max(7, c.length()) + "s",
                    row.byReason().containsKey(c) ? row.byReason().get(c).toString() : "."));
            out.println();
        });
        out.println();
        out.printf(Locale.ROOT, "%-16s %14s %14s %12s%n", "reason", "false rejects", "defects caught", "only catch");
        labels.reasons()
                .forEach((reason, rr) -> out.printf(
                        Locale.ROOT,
                        "%-16s %14s %14s %12d%n",
                        reason,
                        rr.onClean() + " " + percent(rr.onClean(), labels.cleanPairs()),
                        rr.onDefects() + " " + percent(rr.onDefects(), labels.defectPairs()),
                        rr.onlyCatch()));
        out.printf(
                Locale.ROOT,
                "%nclean pairs rejected: %s of %d; defective pairs rejected: %s of %d%n",
                percent(Math.round(labels.falseRejectRate() * labels.cleanPairs()), labels.cleanPairs()),
                labels.cleanPairs(),
                percent(
                        labels.rows().entrySet().stream()
                                .filter(e -> !labels.isClean(e.getKey()))
                                .mapToLong(e -> e.getValue().rejected())
                                .sum(),
                        labels.defectPairs()),
                labels.defectPairs());
        if (labels.unlabelledPairs() > 0) {
            out.printf(
                    Locale.ROOT,
                    "%d pair%s without a label, not counted%n",
                    labels.unlabelledPairs(),
                    labels.unlabelledPairs() == 1 ? "" : "s");
        }
    }

    static String percent(long n, long of) {
        return of == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * n / of);
    }
}
