package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ClientStatsAccess;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.run.ProcessedDocument;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.RunProgressAccess;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * docs/MONITORING.md's table of worker metrics is what a worker serves: every family it lists is
 * scraped from the worker's registry with that type and those labels, every family the registry
 * serves is listed, and every retry cause the model client counts is among the values the docs
 * (MONITORING.md and OPERATIONS.md) give for the {@code cause} label.
 */
class MetricsDocsTest {
    private static final Path DOCS = Path.of("..", "docs");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? ");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
    private static final Pattern RETRY = Pattern.compile("\\.retry\\(\"([a-z_]+)\"( \\+ status)?\\)");

    record Family(String type, Set<String> labels) {}

    @Test
    void everyDocumentedWorkerMetricIsServedWithItsTypeAndLabels() throws Exception {
        Map<String, Family> served = served();
        Map<String, Family> documented = documented();
        assertFalse(documented.isEmpty(), "MONITORING.md has a worker metrics table");
        assertEquals(
                new TreeSet<>(documented.keySet()), new TreeSet<>(served.keySet()), "documented vs served families");
        for (Map.Entry<String, Family> e : documented.entrySet()) {
            assertEquals(e.getValue(), served.get(e.getKey()), e.getKey() + ": documented vs served (type, labels)");
        }
    }

    @Test
    void everyRetryCauseTheClientCountsIsDocumented() throws IOException {
        String source = Files.readString(
                Path.of("src/main/java/io/palimpsest/worker/client/ModelClient.java"), StandardCharsets.UTF_8);
        Set<String> causes = new TreeSet<>();
        Matcher m = RETRY.matcher(source);
        while (m.find()) {
            causes.add(m.group(2) == null ? m.group(1) : m.group(1) + "<status>");
        }
        assertTrue(causes.containsAll(Set.of("timeout", "connection", "http_<status>")), "found " + causes);
        for (String doc : List.of("MONITORING.md", "OPERATIONS.md")) {
            String row = row(
                    Files.readString(DOCS.resolve(doc), StandardCharsets.UTF_8), "palimpsest_request_retries_total");
            for (String cause : causes) {
                String said = cause.replace("<status>", "");
                boolean listed = cause.endsWith("<status>")
                        ? row.contains(said + "<status>") || row.contains(said + "NNN")
                        : Pattern.compile("(?<![a-z_])" + said + "(?![a-z_])")
                                .matcher(row)
                                .find();
                assertTrue(listed, doc + ": the cause " + cause + " is not among the documented values: " + row);
            }
        }
    }

    /** The families of a scrape with every label filled (a retry, a reject, a latency), by name without sample suffixes. */
    private static Map<String, Family> served() throws Exception {
        RunProgress progress = new RunProgress();
        RunProgressAccess.record(progress, ProcessedDocument.rejected(ItemReason.MALFORMED_JSON, "x", 0, 0));
        progress.shardBytes.set(1000);
        try (ModelClient client =
                        new ModelClient(ClientSettings.defaults(URI.create("http://127.0.0.1:9")), new ObjectMapper());
                MetricsEndpoint endpoint = new MetricsEndpoint("127.0.0.1", 0, progress, client)) {
            ClientStatsAccess.retry(client.stats(), "timeout");
            ClientStatsAccess.countRetry(client.stats(), "timeout");
            ClientStatsAccess.latency(client.stats(), 300_000_000L);
            Map<String, Family> out = new TreeMap<>();
            Map<String, String> types = new TreeMap<>();
            for (String line : endpoint.scrape().lines().toList()) {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.split(" ");
                    types.put(parts[2], parts[3]);
                    out.put(parts[2], new Family(parts[3], new TreeSet<>()));
                    continue;
                }
                Matcher sample = SAMPLE.matcher(line);
                if (line.startsWith("#") || !sample.find()) {
                    continue;
                }
                String family = family(sample.group(1), types);
                if (sample.group(3) != null) {
                    Matcher label = LABEL.matcher(sample.group(3));
                    while (label.find()) {
                        out.get(family).labels().add(label.group(1));
                    }
                }
            }
            return out;
        }
    }

    private static String family(String sample, Map<String, String> types) {
        if (types.containsKey(sample)) {
            return sample;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum", "_created")) {
            if (sample.endsWith(suffix) && types.containsKey(sample.substring(0, sample.length() - suffix.length()))) {
                return sample.substring(0, sample.length() - suffix.length());
            }
        }
        throw new AssertionError("a sample of no family: " + sample);
    }

    /** MONITORING.md's worker table: name -> (type, the backticked label names of its labels column). */
    private static Map<String, Family> documented() throws IOException {
        String doc = Files.readString(DOCS.resolve("MONITORING.md"), StandardCharsets.UTF_8);
        int start = doc.indexOf("## Worker metrics");
        int end = doc.indexOf("\n## ", start + 1);
        assertTrue(start >= 0 && end > start, "MONITORING.md has a Worker metrics section");
        Map<String, Family> out = new TreeMap<>();
        for (String line : doc.substring(start, end).lines().toList()) {
            if (!line.startsWith("| `palimpsest_")) {
                continue;
            }
            List<String> cells = new ArrayList<>();
            for (String cell : line.substring(1).split(" \\| ")) {
                cells.add(cell.trim());
            }
            String name = cells.get(0).replace("`", "");
            Set<String> labels = new TreeSet<>();
            Matcher label = Pattern.compile("`([a-z_]+)`").matcher(cells.get(2));
            while (label.find()) {
                labels.add(label.group(1));
            }
            out.put(name, new Family(cells.get(1), labels));
        }
        return out;
    }

    private static String row(String doc, String metric) {
        for (String line : doc.lines().toList()) {
            if (line.startsWith("| `" + metric + "`")) {
                return line;
            }
        }
        throw new AssertionError("no row for " + metric);
    }
}
