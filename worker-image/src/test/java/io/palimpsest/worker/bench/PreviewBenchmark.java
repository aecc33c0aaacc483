package io.palimpsest.worker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.preview.PreviewData;
import io.palimpsest.worker.preview.ReportRenderer;
import io.palimpsest.worker.recipe.examples.ExamplesLocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The preview's figures, on demand (not a test): {@code speed} times a preview of 200
 * quickstart-size documents against the simulator; {@code report} times opening a report of 1,000
 * documents of 10 KB in headless Chromium; {@code accuracy} compares the estimate of a sampled
 * preview with what {@code local} then commits (receipts), for three examples and a generated
 * corpus of 2,000 documents. Prints figures; asserts nothing.
 *
 * <pre>mvn -B -q -f worker-image/pom.xml exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.palimpsest.worker.bench.PreviewBenchmark -Dexec.args="speed report accuracy"</pre>
 */
public final class PreviewBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        List<String> what = args.length == 0 ? List.of("speed", "report", "accuracy") : List.of(args);
        Path work = Files.createTempDirectory("preview-bench");
        if (what.contains("speed")) {
            speed(work.resolve("speed"));
        }
        if (what.contains("report")) {
            report(work.resolve("report"));
        }
        if (what.contains("accuracy")) {
            accuracy(work.resolve("accuracy"));
        }
        System.exit(0);
    }

    /** 200 quickstart-size documents (the quickstart's paragraphs, recombined) through preview, calibration included and not. */
    static void speed(Path dir) throws Exception {
        Path manifests = corpusLike("quickstart", dir.resolve("job"), 200, 4, 1, 2, 7);
        long t0 = System.nanoTime();
        run(
                "preview",
                "-f",
                manifests.toString(),
                "--simulate",
                "--sample",
                "200",
                "--out",
                dir.resolve("declared").toString(),
                "--tokens-per-second-per-replica",
                "3000");
        double declared = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        run(
                "preview",
                "-f",
                manifests.toString(),
                "--simulate",
                "--sample",
                "200",
                "--out",
                dir.resolve("calibrated").toString());
        double calibrated = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "speed: preview of 200 quickstart-size documents vs the simulator: %.1f s (declared capacity),"
                        + " %.1f s (with the default 10 s calibration); target < 60 s%n",
                declared,
                calibrated);
    }

    /** A report of 1,000 documents of ~10 KB with two variants each, opened in headless Chromium. */
    static void report(Path dir) throws Exception {
        Files.createDirectories(dir);
        PreviewData data = syntheticReport(1000, 10_000);
        Path html = dir.resolve("report.html");
        long t0 = System.nanoTime();
        new ReportRenderer(JSON).write(data, html);
        double render = (System.nanoTime() - t0) / 1e9;
        System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
        ChromeOptions options = new ChromeOptions();
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1400,1000");
        ChromeDriver driver = new ChromeDriver(ChromeDriverService.createDefaultService(), options);
        try {
            for (int run = 1; run <= 3; run++) {
                long start = System.nanoTime();
                driver.get(html.toUri() + "?run=" + run);
                new WebDriverWait(driver, Duration.ofSeconds(60))
                        .until(d -> d.findElements(By.cssSelector(".doc-slot[data-rendered='1'] .diff"))
                                        .size()
                                > 0);
                double open = (System.nanoTime() - start) / 1e9;
                Object nodes = driver.executeScript("return document.getElementsByTagName('*').length;");
                long scrollStart = System.nanoTime();
                driver.executeScript("document.querySelectorAll('.doc-slot')[500].scrollIntoView();");
                new WebDriverWait(driver, Duration.ofSeconds(60)).until(d -> "1"
                        .equals(d.findElements(By.cssSelector(".doc-slot"))
                                .get(500)
                                .getAttribute("data-rendered")));
                double jump = (System.nanoTime() - scrollStart) / 1e9;
                System.out.printf(
                        Locale.ROOT,
                        "report: run %d: %d documents, %.1f MB file (written in %.2f s); open to first rendered diff"
                                + " %.2f s (target < 5 s); %s DOM elements after open; jump to document 500 rendered in %.2f s%n",
                        run,
                        data.documents().size(),
                        Files.size(html) / 1e6,
                        render,
                        open,
                        nodes,
                        jump);
            }
        } finally {
            driver.quit();
        }
    }

    /** Sampled previews against the committed runs' receipts. */
    static void accuracy(Path dir) throws Exception {
        Map<String, Path> cases = new LinkedHashMap<>();
        cases.put("quickstart", ExamplesLocator.examples().resolve("quickstart"));
        cases.put("nemotron-cc", ExamplesLocator.examples().resolve("nemotron-cc"));
        cases.put("wrap", ExamplesLocator.examples().resolve("wrap"));
        cases.put("generated-2000", corpusLike("quickstart", dir.resolve("generated"), 2000, 8, 1, 6, 11));
        System.out.println(
                "accuracy: case | sample | documents (est/actual) | requests est [range] | completion tokens est [range] / actual"
                        + " | error | inside range | serving replica-hours est [range] (batch fill) / the local run's hours on its one simulated replica"
                        + " | paid replica-hours est [range] = serving + loading + idle after | strata");
        for (var c : cases.entrySet()) {
            int sample = c.getKey().startsWith("generated") ? 200 : 8;
            Path out = dir.resolve(c.getKey());
            run(
                    "preview",
                    "-f",
                    c.getValue().toString(),
                    "--simulate",
                    "--sample",
                    String.valueOf(sample),
                    "--seed",
                    "7",
                    "--out",
                    out.resolve("preview").toString(),
                    "--calibration-seconds",
                    "10");
            long localStart = System.nanoTime();
            run(
                    "local",
                    "-f",
                    c.getValue().toString(),
                    "--simulate",
                    "--out",
                    out.resolve("committed").toString());
            double localHours = (System.nanoTime() - localStart) / 3.6e12;
            JsonNode estimate =
                    JSON.readTree(out.resolve("preview/preview.json").toFile()).path("estimate");
            long read = 0;
            long completion = 0;
            try (Stream<Path> receipts = Files.list(out.resolve("committed/_palimpsest/receipts"))) {
                for (Path r : receipts.toList()) {
                    JsonNode counts = JSON.readTree(r.toFile()).path("counts");
                    read += counts.path("read").asLong();
                    completion += counts.path("completionTokens").asLong();
                }
            }
            JsonNode ct = estimate.path("completionTokens");
            JsonNode rq = estimate.path("requests");
            double error = (ct.path("estimate").asDouble() - completion) / completion;
            boolean inside = completion >= ct.path("low").asDouble()
                    && completion <= ct.path("high").asDouble();
            JsonNode paid = estimate.path("paid");
            JsonNode serving = paid.path("serving");
            JsonNode total = paid.path("total");
            StringBuilder strata = new StringBuilder();
            estimate.path("strata").forEach(st -> strata.append(st.path("name").asText())
                    .append(" ")
                    .append(st.path("documents").asLong())
                    .append("/")
                    .append(st.path("sampled").asInt())
                    .append("; "));
            System.out.printf(
                    Locale.ROOT,
                    "accuracy: %s | %d | %d / %d | %.0f [%.0f-%.0f] | %.0f [%.0f-%.0f] / %d | %+.1f%% | %s"
                            + " | %.5f [%.5f-%.5f] (%.0f%%) / %.5f | %.5f [%.5f-%.5f] = %.5f + %.5f + %.5f | %s%n",
                    c.getKey(),
                    sample,
                    estimate.path("documents").asLong(),
                    read,
                    rq.path("estimate").asDouble(),
                    rq.path("low").asDouble(),
                    rq.path("high").asDouble(),
                    ct.path("estimate").asDouble(),
                    ct.path("low").asDouble(),
                    ct.path("high").asDouble(),
                    completion,
                    error * 100,
                    inside ? "yes" : "NO",
                    serving.path("estimate").asDouble(),
                    serving.path("low").asDouble(),
                    serving.path("high").asDouble(),
                    paid.path("batchFill").asDouble() * 100,
                    localHours,
                    total.path("estimate").asDouble(),
                    total.path("low").asDouble(),
                    total.path("high").asDouble(),
                    serving.path("estimate").asDouble(),
                    paid.path("loading").asDouble(),
                    paid.path("idleAfter").asDouble(),
                    strata.length() == 0 ? "one stratum" : strata);
        }
    }

    /**
     * A corpus shaped like an example's: documents made of 1..k of its paragraphs' sentences,
     * recombined with a seeded draw, in {@code files} JSONL files, with the example's manifests.
     */
    static Path corpusLike(
            String example, Path dir, int documents, int files, int minSentences, int maxSentences, long seed)
            throws IOException {
        Path source = ExamplesLocator.examples().resolve(example);
        List<String> sentences = new ArrayList<>();
        try (Stream<Path> data = Files.list(source.resolve("data"))) {
            for (Path f : data.sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    String text = JSON.readTree(line).path("text").asText();
                    for (String s : text.split("(?<=[.!?])\\s+")) {
                        if (s.length() > 20) {
                            sentences.add(s.strip());
                        }
                    }
                }
            }
        }
        Files.createDirectories(dir.resolve("data"));
        Random random = new Random(seed);
        List<StringBuilder> parts = new ArrayList<>();
        for (int f = 0; f < files; f++) {
            parts.add(new StringBuilder());
        }
        for (int i = 0; i < documents; i++) {
            int n = minSentences + random.nextInt(maxSentences - minSentences + 1);
            StringBuilder text = new StringBuilder();
            for (int k = 0; k < n; k++) {
                text.append(k == 0 ? "" : " ").append(sentences.get(random.nextInt(sentences.size())));
            }
            ObjectNode record = JSON.createObjectNode().put("id", "doc-" + i).put("text", text.toString());
            parts.get(i % files).append(JSON.writeValueAsString(record)).append('\n');
        }
        for (int f = 0; f < files; f++) {
            Files.writeString(
                    dir.resolve("data").resolve(String.format("part-%03d.jsonl", f)),
                    parts.get(f),
                    StandardCharsets.UTF_8);
        }
        for (String manifest : List.of("job.yaml", "model.yaml", "sim-rules.yaml")) {
            if (Files.exists(source.resolve(manifest))) {
                String text = Files.readString(source.resolve(manifest));
                Files.writeString(
                        dir.resolve(manifest),
                        text.replace("uri: file://" + example + "-out/", "uri: file://" + dir.getFileName() + "-out/"));
            }
        }
        return dir;
    }

    /** A report's data without a model: sources of ~{@code bytes} characters, two outputs each with words changed and added. */
    static PreviewData syntheticReport(int documents, int bytes) throws IOException {
        Path manifests = ExamplesLocator.examples().resolve("quickstart");
        List<String> words = new ArrayList<>();
        try (Stream<Path> data = Files.list(manifests.resolve("data"))) {
            for (Path f : data.sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank()) {
                        words.addAll(List.of(
                                JSON.readTree(line).path("text").asText().split("\\s+")));
                    }
                }
            }
        }
        words.removeIf(String::isBlank);
        Random random = new Random(3);
        List<PreviewData.DocumentView> views = new ArrayList<>();
        for (int i = 0; i < documents; i++) {
            StringBuilder source = new StringBuilder();
            while (source.length() < bytes) {
                source.append(source.length() == 0 ? "" : " ").append(words.get(random.nextInt(words.size())));
            }
            List<PreviewData.Outcome> outcomes = new ArrayList<>();
            List<PreviewData.Prompt> prompts = new ArrayList<>();
            for (String variant : List.of("wiki", "qa")) {
                StringBuilder output = new StringBuilder();
                for (String w : source.toString().split(" ")) {
                    double r = random.nextDouble();
                    output.append(r < 0.08 ? words.get(random.nextInt(words.size())) : w)
                            .append(' ');
                    if (r > 0.95) {
                        output.append("notably ");
                    }
                }
                boolean rejected = i % 10 == 0 && variant.equals("qa");
                String text = output.toString().strip();
                outcomes.add(new PreviewData.Outcome(
                        variant,
                        rejected ? "rejected" : "accepted",
                        rejected ? "lengthRatio" : null,
                        rejected ? "length ratio 3.40 outside [0.3, 3.0]" : null,
                        text,
                        null,
                        1.05));
                // as from a model: the reply is the output (no preamble to strip)
                prompts.add(new PreviewData.Prompt(
                        "variant:" + variant,
                        variant,
                        List.of(Map.of(
                                "role",
                                "user",
                                "content",
                                "Rewrite the document below.\n<document>" + source + "</document>")),
                        null,
                        text,
                        "stop",
                        bytes / 4,
                        bytes / 4));
            }
            views.add(new PreviewData.DocumentView(
                    "doc-" + i,
                    i % 8,
                    "part-00" + (i % 8) + ".jsonl",
                    (long) (i / 8 + 1),
                    source.toString(),
                    2L,
                    (long) (bytes / 2),
                    (long) (bytes / 2),
                    outcomes,
                    prompts,
                    List.of()));
        }
        return new PreviewData(
                PreviewData.KIND_PREVIEW,
                "synthetic",
                "sha256:0",
                "model",
                "none",
                "now",
                1L,
                new PreviewData.Plan(
                        8,
                        8,
                        (long) documents * bytes,
                        documents,
                        false,
                        8,
                        documents,
                        (long) documents * bytes,
                        documents),
                List.of("wiki", "qa"),
                List.of(),
                null,
                views,
                null);
    }

    private static void run(String... args) {
        int code = PalimpsestCli.execute(args);
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", args) + " exited " + code);
        }
    }
}
