package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.recipe.examples.ExamplesLocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The preview report in a real browser (headless Chromium): every document renders when scrolled
 * to, the word diff marks are there, the rejects filter shows exactly the documents with a reject,
 * the page requests nothing over the network and logs no error. Leaves a screenshot in target/.
 */
class PreviewReportBrowserTest {

    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    static ChromeDriver browser() {
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of(CHROMEDRIVER)),
                "skipped: " + CHROMEDRIVER
                        + " is absent; install Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver), as .ci/run does");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions();
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1400,1000");
        var logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        return new ChromeDriver(ChromeDriverService.createDefaultService(), options);
    }

    @Test
    void theReportRendersEveryDocumentFiltersRejectsAndFetchesNothing() throws Exception {
        Path report = temp.resolve("preview");
        // nemotron-cc: routes, a skipped document and rejected variants, so the filter has something to show
        assertEquals(
                0,
                PalimpsestCli.execute(
                        "preview",
                        "-f",
                        ExamplesLocator.examples().resolve("nemotron-cc").toString(),
                        "--simulate",
                        "--sample",
                        "1000",
                        "--out",
                        report.toString(),
                        "--tokens-per-second-per-replica",
                        "2000"));
        JsonNode preview = JSON.readTree(report.resolve("preview.json").toFile());
        List<String> ids = new ArrayList<>();
        Set<String> withReject = new HashSet<>();
        for (JsonNode doc : preview.path("documents")) {
            ids.add(doc.path("id").asText());
            for (JsonNode o : doc.path("outcomes")) {
                if (!o.path("status").asText().equals("accepted")) {
                    withReject.add(doc.path("id").asText());
                }
            }
        }
        assertTrue(
                !withReject.isEmpty() && withReject.size() < ids.size(),
                "the example has both accepted and rejected documents");

        ChromeDriver driver = browser();
        try {
            driver.get(report.resolve("report.html").toUri().toString());
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(10));
            wait.until(d -> d.findElements(By.cssSelector(".doc-slot")).size() == ids.size());
            assertEquals(
                    ids.size() + " of " + ids.size() + " documents",
                    driver.findElement(By.id("shown-count")).getText());

            int diffMarks = 0;
            for (String id : ids) {
                WebElement slot = driver.findElement(By.cssSelector(".doc-slot[data-id='" + id + "']"));
                driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", slot);
                wait.until(d -> "1".equals(slot.getAttribute("data-rendered")));
                assertEquals(
                        id,
                        slot.findElement(By.cssSelector(".doc-head .id")).getText(),
                        "document " + id + " rendered");
                diffMarks += slot.findElements(By.cssSelector(".diff .w-c, .diff .w-a"))
                        .size();
                assertTrue(
                        slot.findElements(By.cssSelector(".diff .w-k")).size() > 0
                                || slot.findElements(By.cssSelector(".diff")).isEmpty(),
                        "kept words marked in " + id);
            }
            assertTrue(diffMarks > 0, "changed or added words are marked");
            // a validator's detail wraps inside its card's column instead of running past the card's edge
            Object overflowing = driver.executeScript("var out = [];"
                    + "document.querySelectorAll('table.checks').forEach(function (t) {"
                    + "  var col = t.closest('.col') || t.closest('.doc-slot');"
                    + "  if (t.getBoundingClientRect().right > col.getBoundingClientRect().right + 1) {"
                    + "    out.push(t.closest('.doc-slot').dataset.id); }"
                    + "});"
                    + "return out.join(',');");
            assertEquals("", overflowing, "checks tables wider than their column");
            driver.executeScript("window.scrollTo(0, 0);");
            Files.createDirectories(Path.of("target"));
            Files.write(Path.of("target/preview-report.png"), driver.getScreenshotAs(OutputType.BYTES));

            driver.findElement(By.id("filter-rejects")).click();
            wait.until(d -> d.findElements(By.cssSelector(".doc-slot")).size() == withReject.size());
            Set<String> shown = new HashSet<>();
            driver.findElements(By.cssSelector(".doc-slot")).forEach(e -> shown.add(e.getAttribute("data-id")));
            assertEquals(withReject, shown, "the rejects filter shows exactly the documents with a reject");
            WebElement first = driver.findElement(By.cssSelector(".doc-slot"));
            wait.until(d -> "1".equals(first.getAttribute("data-rendered")));
            assertTrue(
                    first.findElements(By.cssSelector(".badge.rejected, .badge.skipped"))
                                    .size()
                            > 0,
                    "a reject shows its badge");
            Files.write(Path.of("target/preview-report-rejects.png"), driver.getScreenshotAs(OutputType.BYTES));

            assertNoNetworkAndNoErrors(
                    driver, report.resolve("report.html").toUri().toString());
        } finally {
            driver.quit();
        }
    }

    /**
     * The page {@code show --html} makes over a committed output: what its records do not keep
     * (requests, tokens per variant or document) is left out, not shown as 0, and the receipts' totals are given.
     */
    @Test
    void theOutputPageShowsTheReceiptsTotalsAndNoMadeUpZeros() throws Exception {
        Path out = temp.resolve("quickstart-out");
        assertEquals(
                0,
                PalimpsestCli.execute(
                        "local",
                        "-f",
                        ExamplesLocator.examples().resolve("quickstart").toString(),
                        "--simulate",
                        "--out",
                        out.toString()));
        Path page = temp.resolve("output.html");
        assertEquals(0, PalimpsestCli.execute("show", out.toString(), "--html", "--out", page.toString()));
        long promptTokens = 0;
        try (var receipts = Files.list(out.resolve("_palimpsest/receipts"))) {
            for (Path receipt : receipts.toList()) {
                promptTokens += JSON.readTree(receipt.toFile())
                        .path("counts")
                        .path("promptTokens")
                        .asLong();
            }
        }

        ChromeDriver driver = browser();
        try {
            driver.get(page.toUri().toString());
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(10));
            wait.until(d -> !d.findElements(By.cssSelector(".doc-slot")).isEmpty());
            String headers =
                    driver.findElement(By.cssSelector("#summary-table tr")).getText();
            assertTrue(!headers.contains("requests") && !headers.contains("tokens in"), headers);
            assertEquals(
                    "Per variant, over the documents shown",
                    driver.findElement(By.id("summary-title")).getText());
            String committed = driver.findElement(By.id("committed")).getText();
            assertTrue(
                    committed.contains("2 committed shard(s) of 2 planned")
                            && committed.contains(promptTokens + " tokens in"),
                    committed);
            for (WebElement slot : driver.findElements(By.cssSelector(".doc-slot"))) {
                driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", slot);
                wait.until(d -> "1".equals(slot.getAttribute("data-rendered")));
                String head = slot.findElement(By.cssSelector(".doc-head")).getText();
                assertTrue(!head.contains("requests") && !head.contains("tokens in"), head);
            }
            assertNoNetworkAndNoErrors(driver, page.toUri().toString());
        } finally {
            driver.quit();
        }
    }

    /** Every request the page made is the page itself; the console holds no error. */
    static void assertNoNetworkAndNoErrors(ChromeDriver driver, String page) throws Exception {
        List<String> requested = new ArrayList<>();
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode message = JSON.readTree(entry.getMessage()).path("message");
            if (message.path("method").asText().equals("Network.requestWillBeSent")) {
                requested.add(message.path("params").path("request").path("url").asText());
            }
        }
        assertTrue(!requested.isEmpty(), "the performance log records requests (the page load at least)");
        for (String url : requested) {
            assertTrue(
                    url.equals(page) || url.startsWith("data:"), "no network request, but the page asked for " + url);
        }
        List<String> errors = new ArrayList<>();
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
            if (entry.getLevel().intValue() >= Level.WARNING.intValue()) {
                errors.add(entry.getMessage());
            }
        }
        assertTrue(errors.isEmpty(), "console: " + errors);
        Object jsErrors = ((JavascriptExecutor) driver).executeScript("return window.palimpsestReport ? 0 : 1;");
        assertEquals(0L, jsErrors, "the report's script ran to its end");
    }
}
