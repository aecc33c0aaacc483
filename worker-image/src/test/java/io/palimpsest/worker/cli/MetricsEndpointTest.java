package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ClientStatsAccess;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.run.ProcessedDocument;
import io.palimpsest.worker.run.Rejection;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.RunProgressAccess;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

    @Test
    void servesThePrometheusTextFormat() throws Exception {
        RunProgress progress = new RunProgress();
        progress.written.set(7);
        progress.shardBytes.set(1000);
        progress.bytesRead.set(250);
        try (ModelClient client =
                        new ModelClient(ClientSettings.defaults(URI.create("http://127.0.0.1:9")), new ObjectMapper());
                MetricsEndpoint endpoint = new MetricsEndpoint("127.0.0.1", 0, progress, client)) {
            String body = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(body.contains("palimpsest_documents_total{outcome=\"written\"} 7.0"), body);
            assertTrue(body.contains("palimpsest_tokens_total{kind=\"completion\"} 0.0"), body);
            assertTrue(body.contains("# TYPE palimpsest_concurrency_limit gauge"), body);
            assertTrue(body.contains("palimpsest_shard_input_bytes 1000.0"), body);
            assertTrue(body.contains("palimpsest_input_read_bytes_total 250.0"), body);
            assertTrue(body.contains("# TYPE palimpsest_request_duration_seconds histogram"), body);
            assertTrue(body.contains("palimpsest_request_duration_seconds_count 0"), body);
        }
    }

    /**
     * The tokens are the model's answers as they come, before the document they belong to is done (a long document's
     * chunks, a slow campaign's first minutes), once each whatever attempts they took; a done document's own counts
     * are not added to them.
     */
    @Test
    void tokensAreCountedAsTheModelAnswersOnceEachWhateverTheAttempts() throws Exception {
        RunProgress progress = new RunProgress();
        try (AnsweringModel model = new AnsweringModel()) {
            model.ask();
            assertEquals(2, model.attempts(), "answered on its second attempt");
            String text = scrapeOf(progress, model.client);
            assertTrue(text.contains("palimpsest_tokens_total{kind=\"prompt\"} " + AnsweringModel.PROMPT + ".0"), text);
            assertTrue(
                    text.contains("palimpsest_tokens_total{kind=\"completion\"} " + AnsweringModel.COMPLETION + ".0"),
                    text);
            progress.promptTokens.set(AnsweringModel.PROMPT); // its document is done: nothing more
            progress.completionTokens.set(AnsweringModel.COMPLETION);
            text = scrapeOf(progress, model.client);
            assertTrue(
                    text.contains("palimpsest_tokens_total{kind=\"completion\"} " + AnsweringModel.COMPLETION + ".0"),
                    text);
        }
    }

    @Test
    void rejectsAndSkipsAreCountedByReasonWithBoundedLabels() {
        RunProgress progress = new RunProgress();
        RunProgressAccess.record(progress, ProcessedDocument.rejected(ItemReason.BLANK_LINE, "blank", 0, 0));
        RunProgressAccess.record(progress, ProcessedDocument.rejected(ItemReason.MALFORMED_JSON, "x", 0, 0));
        RunProgressAccess.record(progress, ProcessedDocument.rejected(ItemReason.MALFORMED_JSON, "y", 0, 0));
        for (ItemReason reason : ItemReason.values()) {
            RunProgressAccess.record(
                    progress, new ProcessedDocument(List.of(), List.of(new Rejection("v", reason, "d", null)), 0, 0));
        }
        String text = new MetricsEndpointTest().scrapeOf(progress);
        assertTrue(
                text.contains("palimpsest_documents_not_written_total{outcome=\"skipped\",reason=\"blank_line\"} 2.0"),
                text);
        assertTrue(
                text.contains(
                        "palimpsest_documents_not_written_total{outcome=\"rejected\",reason=\"malformed_json\"} 3.0"),
                text);
        assertTrue(
                text.contains(
                        "palimpsest_documents_not_written_total{outcome=\"skipped\",reason=\"filter:regex\"} 1.0"),
                text);
        long skips = Arrays.stream(ItemReason.values())
                .filter(r -> r.outcome() == ItemReason.Outcome.SKIPPED)
                .count();
        assertTrue(text.contains("palimpsest_documents_total{outcome=\"skipped\"} " + (skips + 1) + ".0"), text);
        assertEquals(skips + 1, progress.skipped.get());
        assertEquals(
                ItemReason.values().length,
                progress.notWrittenByReason().size(),
                "one label per catalogue reason, no more");
    }

    @Test
    void latencyLandsInTheHistogramBuckets() throws Exception {
        RunProgress progress = new RunProgress();
        try (ModelClient client =
                        new ModelClient(ClientSettings.defaults(URI.create("http://127.0.0.1:9")), new ObjectMapper());
                MetricsEndpoint endpoint = new MetricsEndpoint("127.0.0.1", 0, progress, client)) {
            ClientStatsAccess.latency(client.stats(), 300_000_000L);
            ClientStatsAccess.latency(client.stats(), 3_000_000_000L);
            String text = endpoint.scrape();
            assertTrue(text.contains("palimpsest_request_duration_seconds_bucket{le=\"0.25\"} 0"), text);
            assertTrue(text.contains("palimpsest_request_duration_seconds_bucket{le=\"0.5\"} 1"), text);
            assertTrue(text.contains("palimpsest_request_duration_seconds_bucket{le=\"5.0\"} 2"), text);
            assertTrue(text.contains("palimpsest_request_duration_seconds_count 2"), text);
        }
    }

    private String scrapeOf(RunProgress progress) {
        return scrapeOf(progress, null);
    }

    private static String scrapeOf(RunProgress progress, ModelClient client) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create()
                    .write(out, MetricsEndpoint.registry(progress, client).scrape());
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
