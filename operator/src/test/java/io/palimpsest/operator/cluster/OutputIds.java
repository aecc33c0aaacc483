package io.palimpsest.operator.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every source document once in an output or in the rejects: the ids of {@code ids} found in neither
 * ({@code lost}), and the ids found more than once over both ({@code duplicated}, sorted). Output
 * records name their source by {@code provenance.sourceId} (else their own {@code id}), rejects by {@code id}.
 */
record OutputIds(List<String> lost, List<String> duplicated) {

    /** @param output the job's output folder (rejects under {@code _palimpsest/rejects}, the rest of {@code _palimpsest} skipped) */
    static OutputIds of(Path output, List<String> ids) throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.walk(output)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                Path relative = output.relativize(f);
                boolean reject = relative.startsWith(Path.of("_palimpsest", "rejects"));
                if (!reject && relative.startsWith("_palimpsest")) {
                    continue;
                }
                for (String line : Files.readAllLines(f)) {
                    JsonNode record = json.readTree(line);
                    String id = reject
                            ? record.path("id").asText()
                            : record.path("provenance")
                                    .path("sourceId")
                                    .asText(record.path("id").asText());
                    seen.merge(id, 1, Integer::sum);
                }
            }
        }
        List<String> lost = ids.stream().filter(id -> !seen.containsKey(id)).toList();
        List<String> duplicated = seen.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        return new OutputIds(lost, duplicated);
    }
}
