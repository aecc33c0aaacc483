package io.palimpsest.worker.preview;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;

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
        String title = (PreviewData.KIND_OUTPUT.equals(data.kind()) ? "Output of " : "Preview of ") + (data.job() == null ? "a job" : data.job());
        // the only data embedded in markup: escape what could end the script element or open a tag
        String embedded = json.writeValueAsString(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
        int at = page.indexOf("__DATA__");
        return page.substring(0, at).replace("__TITLE__", escapeHtml(title)) + embedded + page.substring(at + "__DATA__".length());
    }

    public void write(PreviewData data, Path file) throws IOException {
        Files.writeString(file, render(data), StandardCharsets.UTF_8);
    }

    private static String template() throws IOException {
        try (InputStream in = ReportRenderer.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IllegalStateException("the report template " + TEMPLATE + " is missing from the worker's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
