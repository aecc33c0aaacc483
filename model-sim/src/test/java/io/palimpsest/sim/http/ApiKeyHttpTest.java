package io.palimpsest.sim.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimClient;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.SimFlags;
import java.util.Map;
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
        SimClient.Reply metrics = client.get("/metrics");
        assertEquals(200, metrics.status(), "the autoscaler and the workers read /metrics without a key");
        assertTrue(metrics.body().contains("vllm:num_requests_waiting"), metrics.body());
    }

    /** vLLM reads VLLM_API_KEY when --api-key is not given (the operator passes it so, from a Secret); the flag wins. */
    @Test
    void theKeyFromTheEnvironmentIsAskedAsTheFlagsAndTheFlagWins() throws Exception {
        try (ModelSimServer fromEnv = ModelSimServer.start(
                        SimFlags.parse(Map.of("VLLM_API_KEY", "env-key"), "--zero-latency")
                                .config(),
                        "127.0.0.1",
                        0);
                ModelSimServer both = ModelSimServer.start(
                        SimFlags.parse(Map.of("VLLM_API_KEY", "env-key"), "--zero-latency", "--api-key", "flag-key")
                                .config(),
                        "127.0.0.1",
                        0);
                ModelSimServer emptyEnv = ModelSimServer.start(
                        SimFlags.parse(Map.of("VLLM_API_KEY", ""), "--zero-latency")
                                .config(),
                        "127.0.0.1",
                        0)) {
            SimClient env = new SimClient(fromEnv.baseUrl());
            assertEquals(
                    401, env.post("/v1/chat/completions", SimClient.chat("hi")).status());
            assertEquals(
                    200,
                    env.post("/v1/chat/completions", SimClient.chat("hi"), "Authorization", "Bearer env-key")
                            .status());
            assertEquals(200, env.get("/health").status());
            assertEquals(200, env.get("/metrics").status());

            SimClient flag = new SimClient(both.baseUrl());
            assertEquals(
                    401,
                    flag.post("/v1/chat/completions", SimClient.chat("hi"), "Authorization", "Bearer env-key")
                            .status());
            assertEquals(
                    200,
                    flag.post("/v1/chat/completions", SimClient.chat("hi"), "Authorization", "Bearer flag-key")
                            .status());

            // an empty variable asks for no key, as vLLM's
            assertEquals(
                    200,
                    new SimClient(emptyEnv.baseUrl())
                            .post("/v1/chat/completions", SimClient.chat("hi"))
                            .status());
        }
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
