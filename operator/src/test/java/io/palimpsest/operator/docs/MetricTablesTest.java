package io.palimpsest.operator.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.metrics.JobMetrics;
import io.palimpsest.operator.metrics.ModelMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operator's metrics as docs/MONITORING.md ("Operator metrics") and docs/OPERATIONS.md
 * ("Metrics") describe them are what a scrape of its registry serves (Prometheus names, types,
 * label names, and the label values MONITORING.md lists), and every {@code palimpsest_} family
 * the operator serves is described in MONITORING.md.
 */
class MetricTablesTest {
    private static final Path DOCS = Path.of("..", "docs");
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? ");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");
    private static final Pattern NAME = Pattern.compile("`(palimpsest_[a-z0-9_]+|\\.\\.\\._[a-z0-9_]+)`");

    /** A family: its type, label names, and the values seen per label. */
    record Family(String type, Map<String, Set<String>> labels) {}

    @Test
    void monitoringTablesAreWhatTheOperatorServes() throws IOException {
        Map<String, Family> served = served();
        String doc = Files.readString(DOCS.resolve("MONITORING.md"), StandardCharsets.UTF_8);
        String section = section(doc, "## Operator metrics", "\n## ");
        Set<String> described = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (String line : section.lines().toList()) {
            if (!line.startsWith("| `palimpsest_")) {
                continue;
            }
            List<String> cells = cells(line);
            List<String> names = names(cells.get(0));
            for (String name : names) {
                described.add(name);
                Family f = served.get(name);
                if (f == null) {
                    problems.add(name + " is documented but not served");
                    continue;
                }
                Set<String> labels = new TreeSet<>(implied(name));
                Map<String, Set<String>> values = labelsOf(cells.get(1));
                labels.addAll(values.keySet());
                if (!labels.equals(f.labels().keySet())) {
                    problems.add(name + ": documented labels " + labels + ", served "
                            + f.labels().keySet());
                }
                values.forEach((label, listed) -> {
                    if (!listed.isEmpty() && !listed.equals(f.labels().get(label))) {
                        problems.add(name + "{" + label + "}: documented values " + listed + ", served "
                                + f.labels().get(label));
                    }
                });
            }
        }
        for (String name : served.keySet()) {
            if (name.startsWith("palimpsest_") && !described.contains(name)) {
                problems.add(name + " is served but not in MONITORING.md's operator tables");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void operationsTableRowsFromTheOperatorAreWhatItServes() throws IOException {
        Map<String, Family> served = served();
        String doc = Files.readString(DOCS.resolve("OPERATIONS.md"), StandardCharsets.UTF_8);
        String section = section(doc, "## Metrics", "\n## ");
        List<String> problems = new ArrayList<>();
        int rows = 0;
        for (String line : section.lines().toList()) {
            if (!line.startsWith("| `palimpsest_")) {
                continue;
            }
            List<String> cells = cells(line);
            if (!cells.get(3).startsWith("operator")) {
                continue;
            }
            rows++;
            String name = cells.get(0).replace("`", "");
            Family f = served.get(name);
            if (f == null) {
                problems.add(name + " is documented but not served");
                continue;
            }
            Set<String> labels = new TreeSet<>();
            for (String label : cells.get(1).replaceAll("\\([^)]*\\)", "").split(",")) {
                labels.add(label.trim());
            }
            if (!labels.equals(f.labels().keySet())) {
                problems.add(name + ": documented labels " + labels + ", served "
                        + f.labels().keySet());
            }
            if (!cells.get(2).equals(f.type())) {
                problems.add(name + ": documented type " + cells.get(2) + ", served " + f.type());
            }
        }
        // The sentence after the table names the operator's other series.
        Matcher also = Pattern.compile("The operator also exports ([^.]*)").matcher(section);
        assertTrue(also.find(), "OPERATIONS.md names the operator's other series");
        Matcher named = NAME.matcher(also.group(1));
        while (named.find()) {
            if (named.group(1).startsWith("palimpsest_model") && !served.containsKey(named.group(1))) {
                problems.add(named.group(1) + " is named but not served");
            }
        }
        assertTrue(rows >= 8, "OPERATIONS.md's table has the operator's rows: " + rows);
        assertEquals(List.of(), problems);
    }

    /** A scrape of the operator's registry with one job and one operated model, every series present. */
    static Map<String, Family> served() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        JobMetrics jobs = new JobMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));
        ModelMetrics models = new ModelMetrics(registry);
        RewriteJobStatus s = new RewriteJobStatus();
        s.setPhase(JobPhase.Running);
        s.setShards(new RewriteJobStatus.ShardCounts(100, 40, 2, 10, 48));
        s.setDocuments(new RewriteJobStatus.DocumentCounts(
                1000,
                950,
                40,
                10,
                null,
                77L,
                Map.of("empty_output", 30L, "(other)", 10L),
                Map.of("filter:regex", 8L, "blank_line", 2L)));
        s.setTokens(new RewriteJobStatus.TokenCounts(5000, 3000, 500L, 300L));
        s.setThroughput(new RewriteJobStatus.Throughput(120));
        s.setEstimatedCompletionTime("2026-01-01T01:00:00Z");
        jobs.observed(new ResourceID("a", "ns"), "m", s);
        jobs.round(3, 2, 0.5);
        ResourceID m = new ResourceID("m", "ns");
        models.reconciled(m, true);
        models.reconcileFailed(m);
        models.replicas(m, 2, 1);
        models.queue(m, 3, 4);
        models.scrapeFailed(m, 1);
        models.phase(m, ModelPhase.Ready);

        Map<String, Family> out = new TreeMap<>();
        for (String line : registry.scrape().lines().toList()) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                out.put(parts[2], new Family(parts[3], new TreeMap<>()));
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (line.startsWith("#") || !sample.find()) {
                continue;
            }
            Family f = out.get(sample.group(1));
            assertTrue(f != null, "a sample of no family: " + line);
            if (sample.group(3) != null) {
                Matcher label = LABEL.matcher(sample.group(3));
                while (label.find()) {
                    f.labels()
                            .computeIfAbsent(label.group(1), k -> new TreeSet<>())
                            .add(label.group(2));
                }
            }
        }
        assertFalse(out.isEmpty());
        return out;
    }

    /** The labels a MONITORING.md table gives in its introduction rather than per row. */
    private static Set<String> implied(String name) {
        if (name.startsWith("palimpsest_job_")) {
            return Set.of("namespace", "rewritejob");
        }
        if (name.startsWith("palimpsest_model_")) {
            return Set.of("namespace", "model");
        }
        return Set.of();
    }

    /** "`palimpsest_a_b`, `..._c`" -> palimpsest_a_b, palimpsest_a_c. */
    private static List<String> names(String cell) {
        List<String> out = new ArrayList<>();
        Matcher m = NAME.matcher(cell);
        String first = null;
        while (m.find()) {
            String name = m.group(1);
            if (name.startsWith("...")) {
                name = first.substring(0, first.lastIndexOf('_')) + name.substring(3);
            } else {
                first = name;
            }
            out.add(name);
        }
        return out;
    }

    /** "`state` = a, b" -> state: {a, b}; "`phase`, `model` (...)" -> phase: {}, model: {}. */
    private static Map<String, Set<String>> labelsOf(String cell) {
        Map<String, Set<String>> out = new TreeMap<>();
        Matcher m = Pattern.compile("`([a-z_]+)`( = ([^`|]*))?").matcher(cell);
        while (m.find()) {
            Set<String> values = new TreeSet<>();
            if (m.group(3) != null) {
                for (String v : m.group(3).split(",")) {
                    values.add(v.trim());
                }
            }
            out.put(m.group(1), values);
        }
        return out;
    }

    private static List<String> cells(String line) {
        List<String> out = new ArrayList<>();
        for (String cell : line.substring(1, line.lastIndexOf('|')).split("\\|")) {
            out.add(cell.trim());
        }
        return out;
    }

    private static String section(String doc, String from, String to) {
        int start = doc.indexOf(from);
        assertTrue(start >= 0, "the docs have the section " + from);
        int end = doc.indexOf(to, start + 1);
        end = end < 0 ? doc.length() : end; // the last section
        return doc.substring(start, end);
    }
}
