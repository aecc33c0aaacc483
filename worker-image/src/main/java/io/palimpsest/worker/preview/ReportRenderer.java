package io.palimpsest.worker.preview;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws a report as one self-contained HTML file: the page's CSS and script are inline, nothing is
 * fetched (a Content-Security-Policy forbids it), and the data is embedded as JSON from which the
 * page renders only the documents near the viewport, so a thousand large documents stay responsive.
 * Used by {@code palimpsest preview} and for committed output ({@code show --html}): give it a
 * {@link PreviewData}.
 */
public final class ReportRenderer {
    private static final String TEMPLATE = "report.html";

    private final ObjectMapper json;

    public ReportRenderer(ObjectMapper json) {
        this.json = json;
    }

    public String render(PreviewData data) throws IOException {
        String page = template();
        String title = (PreviewData.KIND_OUTPUT.equals(data.kind()) ? "Output of " : "Preview of ")
                + (data.job() == null ? "a job" : data.job());
        // the only data embedded in markup: escape what could end the script element or open a tag
        String embedded = json.writeValueAsString(compact(data))
                .replace("<", "\\u003c")
                .replace(">", "\\u003e")
                .replace("&", "\\u0026")
                .replace("\u2028", "\\u2028")
                .replace("\u2029", "\\u2029");
        int at = page.indexOf("__DATA__");
        return page.substring(0, at).replace("__TITLE__", escapeHtml(title))
                + embedded
                + page.substring(at + "__DATA__".length());
    }

    /** Marks, in the page's data, a prompt's copy of the source and a reply that is an output: the page expands them. */
    static final String SOURCE_MARK = "\u0000source\u0000";

    static final String OUTPUT_MARK = "\u0000output:";

    /**
     * The page's data without the two copies that make up most of a preview's bytes: the source inside
     * each rendered prompt, and each reply that is word for word an output shown beside it. The page
     * puts them back when a prompt is unfolded; preview.json keeps everything as it is.
     */
    private JsonNode compact(PreviewData data) {
        ObjectNode tree = json.valueToTree(data);
        for (JsonNode doc : tree.path("documents")) {
            String source = doc.path("source").isTextual() ? doc.path("source").asText() : null;
            List<String> outputs = new ArrayList<>();
            doc.path("outcomes").forEach(o -> outputs.add(o.path("text").asText(null)));
            for (JsonNode prompt : doc.path("prompts")) {
                ObjectNode p = (ObjectNode) prompt;
                if (source != null && source.length() >= 64) {
                    for (JsonNode m : p.path("messages")) {
                        String content = m.path("content").asText();
                        if (content.contains(source)) {
                            ((ObjectNode) m).put("content", content.replace(source, SOURCE_MARK));
                        }
                    }
                    if (p.path("prompt").isTextual()
                            && p.path("prompt").asText().contains(source)) {
                        p.put("prompt", p.path("prompt").asText().replace(source, SOURCE_MARK));
                    }
                }
                int same = outputs.indexOf(p.path("reply").asText(null));
                if (same >= 0 && p.path("reply").asText().length() >= 64) {
                    p.put("reply", OUTPUT_MARK + same);
                }
            }
        }
        return tree;
    }

    public void write(PreviewData data, Path file) throws IOException {
        Files.writeString(file, render(data), StandardCharsets.UTF_8);
    }

    private static String template() throws IOException {
        try (InputStream in = ReportRenderer.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IllegalStateException(
                        "the report template " + TEMPLATE + " is missing from the worker's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
