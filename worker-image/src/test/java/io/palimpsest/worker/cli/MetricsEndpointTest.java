package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.run.RunProgress;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

    @Test
    void servesThePrometheusTextFormat() throws Exception {
        RunProgress progress = new RunProgress();
        progress.written.set(7);
        progress.completionTokens.set(1234);
        try (ModelClient client = new ModelClient(ClientSettings.defaults(URI.create("http://127.0.0.1:9")), new ObjectMapper());
             MetricsEndpoint endpoint = new MetricsEndpoint(0, progress, client)) {
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(body.contains("palimpsest_documents_total{outcome=\"written\"} 7.0"), body);
            assertTrue(body.contains("palimpsest_tokens_total{kind=\"completion\"} 1234.0"), body);
            assertTrue(body.contains("# TYPE palimpsest_concurrency_limit gauge"), body);
            assertTrue(body.contains("palimpsest_request_latency_seconds_count 0"), body);
        }
    }
}
