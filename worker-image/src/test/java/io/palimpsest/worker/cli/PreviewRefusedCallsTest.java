package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A call the model refused (HTTP 400: a document far over the context length) is part of the preview as it is of
 * the run: its rendered prompt and the server's refusal are in preview.json and the report, and the estimate's
 * requests count it as {@code local} sends it. The model is an endpoint that does not say its context (no
 * {@code engine.maxModelLen}): where the context is known, a prompt over it is skipped unsent
 * ({@code ModelContextBudgetTest}).
 */
class PreviewRefusedCallsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** An external endpoint (the simulator, max model length 8192) that does not say its context length. */
    private static String model(String endpoint) {
        return """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriterModel
                metadata:
                  name: qwen-small
                spec:
                  servedModelName: qwen-small
                  endpoint:
                    url: %s
                """.formatted(endpoint);
    }

    private static final String JOB = """
            apiVersion: palimpsest.io/v1alpha1
            kind: RewriteJob
            metadata:
              name: refused-job
            spec:
              modelRef:
                name: qwen-small
              input:
                uri: file://data/
                include: ["*.jsonl"]
              output:
                uri: file://out/
              sharding:
                filesPerShard: 1
              recipe:
                prompts:
                  - name: wiki
                    user: "Rewrite the document below as an encyclopedia article. <document>{{ text }}</document>"
                    sampling: {temperature: 0.7, maxTokens: 256, seed: 1}
                  - name: qa
                    user: "Turn the document below into questions and answers. <document>{{ text }}</document>"
                    sampling: {temperature: 0.7, maxTokens: 256, seed: 2}
                validators:
                  - type: truncation
            """;

    private static String line(String id, String text) {
        return JSON.createObjectNode().put("id", id).put("text", text).toString();
    }

    @Test
    void aCallTheModelRefusedIsRecordedWithItsPromptAndCountedInTheEstimate() throws Exception {
        Path folder = dir.resolve("refused");
        Files.createDirectories(folder.resolve("data"));
        Files.writeString(folder.resolve("job.yaml"), JOB);
        ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("qwen-small").maxModelLen(8192).build(), "127.0.0.1", 0);
        try {
            refusedCall(folder, sim);
        } finally {
            sim.close();
        }
    }

    private void refusedCall(Path folder, ModelSimServer sim) throws Exception {
        Files.writeString(folder.resolve("model.yaml"), model(sim.baseUrl()));
        StringBuilder huge = new StringBuilder();
        for (int i = 0; huge.length() < 300_000; i++) {
            huge.append(String.format(Locale.ROOT, "The river number %d flows %d kilometres north. ", i, 3 * i));
        }
        // a character the report must escape, in the prompt it shows
        String hugeText = "<b>Rivers</b> & streams. " + huge.toString().trim();
        Files.write(
                folder.resolve("data/part-000.jsonl"),
                List.of(
                        line("huge-1", hugeText),
                        line("small-1", "A small doc about a mill built in 1850 near the river.")));
        List<String> small = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            small.add(line("doc-" + i, "The bridge number " + i + " was built in " + (1800 + i) + " of grey stone."));
        }
        Files.write(folder.resolve("data/part-001.jsonl"), small);

        CliRun local = CliRun.of(
                "local",
                "-f",
                folder.toString(),
                "--out",
                dir.resolve("local-out").toString());
        assertEquals(0, local.exit(), local.err());
        Matcher sent = Pattern.compile("requests\\s+(\\d+) to the model").matcher(local.out());
        assertTrue(sent.find(), local.out());
        long localRequests = Long.parseLong(sent.group(1));
        assertEquals(16, localRequests, "8 documents x 2 variants, the 2 refused ones included: " + local.out());
        long localPromptTokens = 0;
        try (var receipts = Files.newDirectoryStream(dir.resolve("local-out/_palimpsest/receipts"))) {
            for (Path receipt : receipts) {
                localPromptTokens += JSON.readTree(receipt.toFile())
                        .path("counts")
                        .path("promptTokens")
                        .asLong();
            }
        }

        Path out = folder.resolve("preview");
        CliRun previewRun = CliRun.of(
                "preview",
                "-f",
                folder.toString(),
                "--sample",
                "200",
                "--out",
                out.toString(),
                "--tokens-per-second-per-replica",
                "1000");
        assertEquals(0, previewRun.exit(), previewRun.err());
        // the same figure under a label that says what it counts: local's answered and refused requests, not its
        // failed ones
        assertTrue(
                Pattern.compile("requests \\(none failing\\)\\s+" + localRequests + "(\\.0+)?\\s")
                        .matcher(previewRun.out())
                        .find(),
                previewRun.out());
        assertTrue(
                local.out().contains("requests   16 to the model: 14 answered, none failed, 2 refused (http_400 2)"),
                local.out());
        JsonNode preview = JSON.readTree(out.resolve("preview.json").toFile());

        JsonNode doc = null;
        for (JsonNode d : preview.path("documents")) {
            if (d.path("id").asText().equals("huge-1")) {
                doc = d;
            }
        }
        assertNotNull(doc, preview.path("documents").toString());
        assertEquals(2, doc.path("requests").asLong(), "both calls were sent and answered with a refusal");
        assertEquals(2, doc.path("prompts").size(), doc.path("prompts").toString());
        for (JsonNode p : doc.path("prompts")) {
            assertTrue(
                    p.path("messages").get(0).path("content").asText().contains(hugeText),
                    "the rendered prompt, as sent: " + p.path("purpose"));
            assertEquals(400, p.path("refusal").path("status").asInt(), p.toString());
            assertTrue(
                    p.path("refusal").path("message").asText().contains("maximum context length"),
                    p.path("refusal").toString());
            assertTrue(!p.has("reply"), "a refused call has no reply");
            assertEquals(0, p.path("completionTokens").asInt());
            assertEquals(0, p.path("promptTokens").asInt(), "the server reported none, and the receipts count none");
        }
        for (JsonNode o : doc.path("outcomes")) {
            assertEquals("model_rejected", o.path("reason").asText(), o.toString());
        }

        // every document sampled: the estimate is exact, and its requests are what local sends
        assertEquals(8, preview.path("documents").size());
        JsonNode estimate = preview.path("estimate");
        assertEquals(localRequests, estimate.path("requests").path("estimate").asDouble(), 1e-6, estimate.toString());
        assertEquals(
                localPromptTokens,
                estimate.path("promptTokens").path("estimate").asDouble(),
                1e-6,
                "prompt tokens as the receipts count them");
        assertEquals(
                8.0,
                estimate.path("byPurpose")
                        .path("variant:wiki")
                        .path("requests")
                        .path("estimate")
                        .asDouble(),
                1e-6);
        for (JsonNode row : preview.path("summary")) {
            if (row.path("variant").asText().equals("wiki")) {
                assertEquals(8, row.path("requests").asLong(), row.toString());
            }
        }

        // the report carries the refusal, and the source in it only as escaped data
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("\"refusal\":{\"status\":400"), "the refusal is in the report's data");
        assertTrue(html.contains("maximum context length"));
        assertTrue(!html.contains("<b>Rivers</b>"), "the source is never markup");
        assertTrue(html.contains("\\u003cb\\u003eRivers\\u003c/b\\u003e"), "the source is escaped in the report");

        // drawn beside the document: the prompt as sent, as text, and the refusal in place of a reply
        ChromeDriver driver = PreviewReportBrowserTest.browser();
        try {
            driver.get(out.resolve("report.html").toUri().toString());
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(10));
            wait.until(d -> !d.findElements(By.cssSelector(".doc-slot[data-id='huge-1']"))
                    .isEmpty());
            WebElement slot = driver.findElement(By.cssSelector(".doc-slot[data-id='huge-1']"));
            driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", slot);
            wait.until(d -> "1".equals(slot.getAttribute("data-rendered")));
            List<WebElement> folded = slot.findElements(By.cssSelector(".col.variant details.prompts"));
            assertEquals(2, folded.size(), "one folded call per variant");
            for (WebElement details : folded) {
                assertTrue(details.getText().contains("1 refused by the model"), details.getText());
                driver.executeScript("arguments[0].open = true;", details);
            }
            wait.until(d -> slot.findElements(By.cssSelector("pre.refusal")).size() == 2);
            for (WebElement refusal : slot.findElements(By.cssSelector("pre.refusal"))) {
                String text = (String) driver.executeScript("return arguments[0].textContent;", refusal);
                assertTrue(text.startsWith("refused: HTTP 400\n"), text);
                assertTrue(text.contains("maximum context length"), text);
            }
            Object prompt = driver.executeScript(
                    "var p = arguments[0].querySelector('details.prompts pre');"
                            + " return p.textContent.indexOf('<b>Rivers</b> & streams.') >= 0 && !p.querySelector('b');",
                    slot);
            assertEquals(Boolean.TRUE, prompt, "the refused prompt is shown as sent, as text");
            assertEquals(0L, driver.executeScript("return document.querySelectorAll('.doc-slot b b, pre b').length;"));
        } finally {
            driver.quit();
        }
    }
}
