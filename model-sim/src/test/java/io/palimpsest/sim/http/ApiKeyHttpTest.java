package io.palimpsest.sim.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimClient;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.SimFlags;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code --api-key}: /v1 needs the bearer token, as vLLM's does; /health and /metrics stay open for probes. */
class ApiKeyHttpTest {
    private static ModelSimServer sim;
    private static SimClient client;

    @BeforeAll
    static void start() {
        SimConfig config =
                SimFlags.parse("--zero-latency", "--api-key", "s3cret-key").config();
        sim = ModelSimServer.start(config, "127.0.0.1", 0);
        client = new SimClient(sim.baseUrl());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void aMissingOrWrongKeyIsUnauthorizedAndTheRightOneServes() throws Exception {
        SimClient.Reply none = client.post("/v1/chat/completions", SimClient.chat("Rewrite: hello"));
        assertEquals(401, none.status());
        assertEquals("Unauthorized", none.json().get("error").asText());
        SimClient.Reply wrong =
                client.post("/v1/chat/completions", SimClient.chat("Rewrite: hello"), "Authorization", "Bearer nope");
        assertEquals(401, wrong.status());
        assertFalse(wrong.body().contains("s3cret-key"), "the key is never echoed");
        assertEquals(401, client.get("/v1/models").status());

        SimClient.Reply right = client.post(
                "/v1/chat/completions", SimClient.chat("Rewrite: hello"), "Authorization", "Bearer s3cret-key");
        assertEquals(200, right.status(), right.body());
        assertEquals(200, client.get("/health").status());
    }

    @Test
    void anUnknownModelNameIsNotFoundOnceAuthorized() throws Exception {
        var body = SimClient.chat("Rewrite: hello").put("model", "no-such-model");
        SimClient.Reply reply = client.post("/v1/chat/completions", body, "Authorization", "Bearer s3cret-key");
        assertEquals(404, reply.status());
        assertEquals(
                "The model `no-such-model` does not exist.",
                reply.json().at("/error/message").asText(reply.body()));
    }
}
