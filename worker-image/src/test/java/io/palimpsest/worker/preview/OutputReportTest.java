package io.palimpsest.worker.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputReportTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void committedRecordsSitBesideTheirSourcesAndRenderToOnePage() throws Exception {
        List<OutputReport.Source> sources = List.of(
                new OutputReport.Source("a", "one two three four", "part-0.jsonl", 1L, 0),
                new OutputReport.Source("b", "five six seven eight", "part-0.jsonl", 2L, 0));
        JsonNode out = json.readTree(
                "{\"id\":\"a\",\"text\":\"one two three four five\",\"provenance\":{\"variant\":\"wiki\"}}");
        JsonNode reject = json.readTree(
                "{\"id\":\"b\",\"variant\":\"wiki\",\"reason\":\"echo\",\"outcome\":\"rejected\",\"detail\":\"90%\",\"output\":\"five six seven eight\"}");
        PreviewData data = new OutputReport(json)
                .build(
                        "job",
                        "sha256:x",
                        "m",
                        List.of("wiki"),
                        sources,
                        Map.of("wiki", List.of(out)),
                        List.of(reject),
                        null);
        assertEquals(PreviewData.KIND_OUTPUT, data.kind());
        assertEquals("accepted", data.documents().get(0).outcomes().get(0).status());
        assertEquals(1.25, data.documents().get(0).outcomes().get(0).lengthRatio());
        assertEquals("echo", data.documents().get(1).outcomes().get(0).reason());
        assertEquals(Map.of("echo", 1L), data.summary().get(0).rejectedByReason());
        String html = new ReportRenderer(json).render(data);
        assertTrue(html.contains("<title>Output of job</title>"));
        assertTrue(
                html.contains("\\u003c") || !html.contains("five six seven eight</"),
                "embedded text cannot close the script");
    }
}
