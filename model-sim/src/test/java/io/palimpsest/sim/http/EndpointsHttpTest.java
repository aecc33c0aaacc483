package io.palimpsest.sim.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimClient;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.TestTexts;
import io.palimpsest.sim.text.Rewriter;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every endpoint over real HTTP, against a zero-latency simulator. */
class EndpointsHttpTest {
    private static ModelSimServer sim;
    private static SimClient client;

    @BeforeAll
    static void start() {
        sim = ModelSimServer.start(
                SimConfig.builder().zeroLatency().maxModelLen(4096).build(), "127.0.0.1", 0);
        client = new SimClient(sim.baseUrl());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static ObjectNode rewriteRequest() {
        return SimClient.chat("Rewrite the text in plain English.\n<document>\n" + TestTexts.BRIDGE + "\n</document>");
    }

    private static int tokenCount(JsonNode tokenizeBody) throws Exception {
        SimClient.Reply r = client.post("/tokenize", tokenizeBody);
        assertEquals(200, r.status(), r.body());
        assertEquals(r.json().get("count").asInt(), r.json().get("tokens").size());
        assertEquals(4096, r.json().get("max_model_len").asInt());
        return r.json().get("count").asInt();
    }

    @Test
    void chatCompletionRewritesTheDocumentWithConsistentUsage() throws Exception {
        ObjectNode body = rewriteRequest();
        SimClient.Reply r = client.post("/v1/chat/completions", body);
        assertEquals(200, r.status(), r.body());
        JsonNode json = r.json();
        assertEquals("chat.completion", json.get("object").asText());
        assertTrue(json.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("sim-model", json.get("model").asText());
        JsonNode choice = json.get("choices").get(0);
        assertEquals("assistant", choice.at("/message/role").asText());
        assertEquals("stop", choice.get("finish_reason").asText());
        String content = choice.at("/message/content").asText();
        assertEquals(Rewriter.rewrite(TestTexts.BRIDGE, 0), content);

        ObjectNode tokenizeChat = SimClient.JSON.createObjectNode();
        tokenizeChat.set("messages", body.get("messages"));
        assertEquals(tokenCount(tokenizeChat), json.at("/usage/prompt_tokens").asInt());
        ObjectNode tokenizeText = SimClient.JSON.createObjectNode().put("prompt", content);
        assertEquals(
                tokenCount(tokenizeText), json.at("/usage/completion_tokens").asInt());
        assertEquals(
                json.at("/usage/prompt_tokens").asInt()
                        + json.at("/usage/completion_tokens").asInt(),
                json.at("/usage/total_tokens").asInt());
    }

    @Test
    void textCompletionDefaultsTo16TokensLikeVllm() throws Exception {
        SimClient.Reply r = client.post(
                "/v1/completions",
                SimClient.JSON.createObjectNode().put("model", "sim-model").put("prompt", TestTexts.HISTORY));
        assertEquals(200, r.status(), r.body());
        JsonNode choice = r.json().get("choices").get(0);
        assertEquals("text_completion", r.json().get("object").asText());
        assertEquals("length", choice.get("finish_reason").asText());
        assertEquals(16, r.json().at("/usage/completion_tokens").asInt());
        assertTrue(Rewriter.rewrite(TestTexts.HISTORY, 0)
                .startsWith(choice.get("text").asText()));
    }

    @Test
    void chatStreamSendsRoleTokensFinishUsageAndDone() throws Exception {
        ObjectNode body = rewriteRequest();
        String expected = client.post("/v1/chat/completions", body)
                .json()
                .at("/choices/0/message/content")
                .asText();
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        SimClient.Reply r = client.post("/v1/chat/completions", body);
        assertEquals(200, r.status());
        assertTrue(r.raw().headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"));
        List<JsonNode> events = r.events();
        assertEquals("assistant", events.get(0).at("/choices/0/delta/role").asText());
        StringBuilder text = new StringBuilder();
        int tokenChunks = 0;
        for (JsonNode e : events.subList(1, events.size() - 1)) {
            assertEquals("chat.completion.chunk", e.get("object").asText());
            assertEquals(events.get(0).get("id"), e.get("id"));
            text.append(e.at("/choices/0/delta/content").asText());
            tokenChunks++;
        }
        assertEquals(expected, text.toString());
        JsonNode lastToken = events.get(events.size() - 2);
        assertEquals("stop", lastToken.at("/choices/0/finish_reason").asText());
        assertTrue(events.get(events.size() - 3).at("/choices/0/finish_reason").isNull());
        JsonNode usage = events.get(events.size() - 1);
        assertEquals(0, usage.get("choices").size());
        assertEquals(tokenChunks, usage.at("/usage/completion_tokens").asInt());
    }

    @Test
    void emptyStreamOptionsIncludeUsageAndContinuousStatsCountEveryChunk() throws Exception {
        ObjectNode body = SimClient.JSON
                .createObjectNode()
                .put("prompt", "Tell me about the weather today.")
                .put("max_tokens", 4)
                .put("stream", true);
        body.putObject("stream_options");
        List<JsonNode> events = client.post("/v1/completions", body).events();
        assertEquals(5, events.size(), "4 tokens and a usage chunk: vLLM's include_usage defaults to true");
        assertEquals(4, events.get(4).at("/usage/completion_tokens").asInt());
        assertTrue(events.get(0).path("usage").isMissingNode());

        body.putObject("stream_options").put("continuous_usage_stats", true);
        events = client.post("/v1/completions", body).events();
        assertEquals(5, events.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(i + 1, events.get(i).at("/usage/completion_tokens").asInt(), "chunk " + i);
            assertTrue(events.get(i).at("/usage/prompt_tokens").asInt() > 0);
        }
    }

    @Test
    void textStreamWithoutUsageHasNoUsageChunk() throws Exception {
        ObjectNode body = SimClient.JSON
                .createObjectNode()
                .put("prompt", "Tell me about the weather today.")
                .put("max_tokens", 4)
                .put("stream", true);
        SimClient.Reply r = client.post("/v1/completions", body);
        List<JsonNode> events = r.events();
        assertEquals(4, events.size());
        events.forEach(e -> assertFalse(e.has("usage")));
        assertEquals("length", events.get(3).at("/choices/0/finish_reason").asText());
        assertEquals("text_completion", events.get(0).get("object").asText());
    }

    @Test
    void stopStringsAndMaxTokensAreHonoured() throws Exception {
        ObjectNode body = SimClient.chat("<document>" + TestTexts.STORY + "</document>");
        body.put("stop", ".");
        JsonNode json = client.post("/v1/chat/completions", body).json();
        assertEquals("stop", json.at("/choices/0/finish_reason").asText());
        assertEquals(".", json.at("/choices/0/stop_reason").asText());
        assertEquals(
                "Maria walked to the market each Saturday morning",
                json.at("/choices/0/message/content").asText());

        ObjectNode limited = SimClient.chat("<document>" + TestTexts.STORY + "</document>");
        limited.put("max_tokens", 5);
        JsonNode cut = client.post("/v1/chat/completions", limited).json();
        assertEquals("length", cut.at("/choices/0/finish_reason").asText());
        assertEquals(5, cut.at("/usage/completion_tokens").asInt());
    }

    @Test
    void aCutAnswerIsCountedAsTheTextReturned() throws Exception {
        // BPE merges can span a cut, and a CJK character or an emoji spans several tokens: the
        // usage must still count the text the client receives, as /tokenize does.
        for (String document : List.of(TestTexts.SCIENCE, "東京は日本の首都です。絵文字 🙂👍🏽 も使えます。" + TestTexts.STORY)) {
            for (int max : List.of(3, 7, 12, 31)) {
                ObjectNode limited = SimClient.chat("<document>" + document + "</document>");
                limited.put("max_tokens", max);
                JsonNode cut = client.post("/v1/chat/completions", limited).json();
                String content = cut.at("/choices/0/message/content").asText();
                int completion = cut.at("/usage/completion_tokens").asInt();
                assertEquals(tokenCount(SimClient.JSON.createObjectNode().put("prompt", content)), completion, content);
                assertTrue(completion <= max && completion >= max - 3, completion + " of " + max);
                assertEquals("length", cut.at("/choices/0/finish_reason").asText());
            }
        }
    }

    @Test
    void outputIsDeterministicPerSeed() throws Exception {
        ObjectNode body = SimClient.chat("<document>" + TestTexts.SCIENCE + "</document>");
        String a = client.post("/v1/chat/completions", body)
                .json()
                .at("/choices/0/message/content")
                .asText();
        assertEquals(
                a,
                client.post("/v1/chat/completions", body)
                        .json()
                        .at("/choices/0/message/content")
                        .asText());
        boolean differs = false;
        for (int seed = 1; seed < 6 && !differs; seed++) {
            body.put("seed", seed);
            differs = !a.equals(client.post("/v1/chat/completions", body)
                    .json()
                    .at("/choices/0/message/content")
                    .asText());
        }
        assertTrue(differs);
    }

    @Test
    void errorsLookLikeVllms() throws Exception {
        SimClient.Reply wrongModel =
                client.post("/v1/chat/completions", SimClient.chat("hi").put("model", "gpt-9"));
        assertEquals(404, wrongModel.status());
        assertEquals("NotFoundError", wrongModel.json().at("/error/type").asText());

        SimClient.Reply tooLong =
                client.post("/v1/chat/completions", SimClient.chat("hi").put("max_tokens", 5000));
        assertEquals(400, tooLong.status());
        assertTrue(tooLong.json().at("/error/message").asText().contains("maximum context length is 4096 tokens"));
        assertEquals(400, tooLong.json().at("/error/code").asInt());

        SimClient.Reply hugePrompt = client.post(
                "/v1/completions", SimClient.JSON.createObjectNode().put("prompt", "word ".repeat(4999) + "word"));
        assertEquals(400, hugePrompt.status());
        assertTrue(hugePrompt
                .json()
                .at("/error/message")
                .asText()
                .contains("However, your request has 5000 input tokens"));

        assertEquals(400, client.post("/v1/chat/completions", "{not json").status());
        assertEquals(
                400, client.post("/v1/chat/completions", "{\"messages\": []}").status());
        assertEquals(404, client.get("/v1/nothing").status());
    }

    @Test
    void modelsHealthAndVersion() throws Exception {
        SimClient.Reply models = client.get("/v1/models");
        assertEquals(200, models.status());
        assertEquals("sim-model", models.json().at("/data/0/id").asText());
        assertEquals(4096, models.json().at("/data/0/max_model_len").asInt());
        assertEquals(200, client.get("/health").status());
    }

    @Test
    void metricsUseVllmNamesAndCount() throws Exception {
        String before = client.get("/metrics").body();
        client.post("/v1/chat/completions", rewriteRequest());
        SimClient.Reply r = client.get("/metrics");
        assertTrue(r.raw().headers().firstValue("content-type").orElse("").startsWith("text/plain"));
        String page = r.body();
        String m = "{model_name=\"sim-model\",engine=\"0\"}";
        for (String name : List.of(
                "vllm:num_requests_running",
                "vllm:num_requests_waiting",
                "vllm:kv_cache_usage_perc",
                "vllm:prompt_tokens_total",
                "vllm:generation_tokens_total",
                "vllm:time_to_first_token_seconds_count",
                "vllm:e2e_request_latency_seconds_count")) {
            SimClient.metric(page, name + m);
        }
        assertTrue(page.contains("# TYPE vllm:time_to_first_token_seconds histogram"));
        assertTrue(page.contains(
                "vllm:e2e_request_latency_seconds_bucket{model_name=\"sim-model\",engine=\"0\",le=\"+Inf\"}"));
        String stop = "vllm:request_success_total{model_name=\"sim-model\",engine=\"0\",finished_reason=\"stop\"}";
        assertEquals(SimClient.metric(before, stop) + 1, SimClient.metric(page, stop), 0.5);
        assertTrue(SimClient.metric(page, "vllm:generation_tokens_total" + m)
                > SimClient.metric(before, "vllm:generation_tokens_total" + m));
    }

    @Test
    void theRequestLogKeepsWhatClientsSent() throws Exception {
        long from = sim.requestLog().totalReceived();
        ObjectNode body = rewriteRequest().put("temperature", 0.3);
        client.post("/v1/chat/completions", body, "X-Job", "job-7");
        List<LoggedRequest> entries = sim.requestLog().entriesSince(from);
        LoggedRequest e = entries.get(entries.size() - 1);
        assertEquals("/v1/chat/completions", e.path());
        assertEquals("POST", e.method());
        assertEquals(0.3, e.body().get("temperature").asDouble());
        assertEquals("job-7", e.header("x-job").orElseThrow());
        assertEquals(TestTexts.BRIDGE, e.document().orElseThrow());
        assertEquals(200, e.outcome().orElseThrow().status());
        assertEquals("stop", e.outcome().orElseThrow().finishReason());
        assertNotEquals(0, e.outcome().orElseThrow().completionTokens());

        JsonNode viaHttp = client.get("/admin/requests?since=" + e.index()).json();
        assertEquals(e.index(), viaHttp.at("/requests/0/index").asLong());
        assertEquals("job-7", viaHttp.at("/requests/0/headers/x-job").asText());
        assertEquals(200, viaHttp.at("/requests/0/outcome/status").asInt());
    }
}
