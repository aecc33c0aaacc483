package io.palimpsest.worker.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Corpus, manifests, metric scraping and the worker subprocess shared by the benchmark programs. */
final class BenchSupport {

    // HTTP/1.1 as vLLM serves it; the default HTTP/2 upgrade attempt was seen to hang a scrape under load
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private static final String[] WORDS =
            ("the river valley was settled by farmers who built stone walls along the terraces and "
                            + "planted barley rye and apples while the market town grew around a bridge where merchants paid tolls in silver "
                            + "coins each autumn the fair brought musicians traders and travellers from the coast")
                    .split(" ");

    private BenchSupport() {}

    /** {@code documents} JSON lines whose text is about {@code chars} characters of plain English words. */
    static void writeCorpus(Path file, int documents, int chars) throws IOException {
        Files.createDirectories(file.getParent());
        Random random = new Random(1);
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < documents; i++) {
                text.setLength(0);
                while (text.length() < chars) {
                    text.append(WORDS[random.nextInt(WORDS.length)]).append(text.length() % 90 < 8 ? ". " : " ");
                }
                out.write("{\"id\":\"d" + i + "\",\"text\":\"" + text.toString().trim() + "\"}\n");
            }
        }
    }

    static Path writeJob(Path dir, Path input, Path output, String endpoint, int maxNumSeqs, int maxTokens)
            throws IOException {
        return writeJob(dir, input, output, endpoint, maxNumSeqs, maxTokens, "auto");
    }

    static Path writeJob(
            Path dir, Path input, Path output, String endpoint, int maxNumSeqs, int maxTokens, String concurrency)
            throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("job.yaml");
        Files.writeString(
                file, """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriterModel
                metadata: {name: sim}
                spec:
                  servedModelName: sim
                  endpoint: {url: %s}
                  engine: {maxNumSeqs: %d}
                ---
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata: {name: bench}
                spec:
                  modelRef: {name: sim}
                  input: {uri: %s}
                  output: {uri: %s, compression: zstd}
                  sharding: {filesPerShard: 1}
                  recipe:
                    prompts:
                      - name: plain
                        user: "Rewrite the document. <document>{{ text }}</document>"
                        sampling: {temperature: 0, maxTokens: %d}
                  workers: {concurrencyPerWorker: %s}
                """.formatted(endpoint, maxNumSeqs, input.toUri(), output.toUri(), maxTokens, concurrency));
        return file;
    }

    /** The sum of a metric (over its label sets) on each of the servers. */
    static double scrape(List<String> baseUrls, String metric) throws IOException, InterruptedException {
        double total = 0;
        for (String base : baseUrls) {
            String body = HTTP.send(
                            HttpRequest.newBuilder(URI.create(base + "/metrics"))
                                    .timeout(Duration.ofSeconds(120))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            for (String line : body.split("\n")) {
                if (line.startsWith(metric + "{") || line.startsWith(metric + " ")) {
                    String[] parts = line.trim().split("\\s+");
                    total += Double.parseDouble(parts[parts.length - 1]);
                }
            }
        }
        return total;
    }

    static Process startWorker(Path jar, Path job, Path log, List<String> runOptions) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(
                List.of("-jar", jar.toString(), "run", "-f", job.toString(), "--shard", "0", "--termination-log", ""));
        command.addAll(runOptions);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }
}
