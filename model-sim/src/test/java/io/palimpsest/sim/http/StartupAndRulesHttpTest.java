package io.palimpsest.sim.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.Eventually;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimClient;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.TestTexts;
import io.palimpsest.sim.text.Rewriter;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupAndRulesHttpTest {

    @Test
    void refusesConnectionsUntilTheStartupDelayHasPassed() throws Exception {
        SimConfig cfg = SimConfig.builder()
                .zeroLatency()
                .startupDelay(Duration.ofMillis(3000))
                .build();
        try (ModelSimServer sim = ModelSimServer.start(cfg, "127.0.0.1", 0)) {
            SimClient client = new SimClient(sim.baseUrl());
            // vLLM listens only once the model is loaded: no 503, no /metrics, a refused connection
            assertThrows(ConnectException.class, () -> client.get("/health"));
            assertThrows(ConnectException.class, () -> client.get("/metrics"));
            Eventually.holds(Duration.ofSeconds(10), () -> {
                try {
                    return client.get("/health").status() == 200;
                } catch (ConnectException e) {
                    return false;
                }
            });
            assertEquals(
                    200,
                    client.post("/v1/chat/completions", SimClient.chat("hi")).status());
        }
    }

    @Test
    void rulesFromAFileAndReplacedOverTheAdminApi(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.yaml"), """
                rules:
                  - match: '(?i)score'
                    response: "Score: 4"
                """);
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().zeroLatency().rulesFile(rules).build(), "127.0.0.1", 0)) {
            SimClient client = new SimClient(sim.baseUrl());
            String judged = client.post("/v1/chat/completions", SimClient.chat("Give a score."))
                    .json()
                    .at("/choices/0/message/content")
                    .asText();
            assertEquals("Score: 4", judged);

            SimClient.Reply set = client.post("/admin/rules", """
                    - match: 'lines (\\d+)-(\\d+)'
                      response: "remove_lines(line_start={{group1}}, line_end={{group2}})"
                    """);
            assertEquals(200, set.status(), set.body());
            assertEquals(1, set.json().get("rules").asInt());
            String program = client.post(
                            "/v1/completions",
                            SimClient.JSON
                                    .createObjectNode()
                                    .put("prompt", "drop lines 3-5")
                                    .put("max_tokens", 50))
                    .json()
                    .at("/choices/0/text")
                    .asText();
            assertEquals("remove_lines(line_start=3, line_end=5)", program);

            SimClient.Reply bad = client.post("/admin/rules", "- {match: 'x', response: '{{nope}}'}");
            assertEquals(400, bad.status());
            assertTrue(bad.json().at("/error/message").asText().contains("nope"));

            assertEquals(
                    200,
                    client.send(client.request("/admin/rules").DELETE().build()).status());
            String rewrite = client.post(
                            "/v1/chat/completions", SimClient.chat("<document>" + TestTexts.STORY + "</document>"))
                    .json()
                    .at("/choices/0/message/content")
                    .asText();
            assertEquals(Rewriter.rewrite(TestTexts.STORY, 0), rewrite);
        }
    }
}
