package io.palimpsest.worker.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelReply;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gateway in front of a model server answers every request of a burst of one-request connections (the worker's
 * own way to call a model): none fails unanswered, so the tests that count requests through it count no failure it
 * made. (Its JDK HttpServer closes each such connection without saying so; the JDK's client kept the closed ones in
 * its pool and sent a few later POSTs over them, unanswered: about 1 in 100.)
 */
class ModelGatewayTest {

    @Test
    void aBurstOfOneRequestConnectionsIsAnsweredWithoutAFailure() throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (ModelSimServer sim = ModelSimServer.start(
                        SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0);
                ModelGateway gateway = ModelGateway.listing(sim.baseUrl(), List.of("sim"));
                ModelClient client = new ModelClient(
                        ClientSettings.builder(URI.create(gateway.url()))
                                .initialConcurrency(20)
                                .concurrencyCap(20)
                                .build(),
                        json)) {
            for (int round = 0; round < 20; round++) {
                List<CompletableFuture<ModelReply>> calls = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    ObjectNode body = json.createObjectNode().put("model", "sim");
                    body.putArray("messages").addObject().put("role", "user").put("content", "call " + i);
                    calls.add(client.chat(body));
                }
                for (CompletableFuture<ModelReply> call : calls) {
                    call.get(30, TimeUnit.SECONDS);
                }
            }
            assertEquals(400, client.stats().successes.sum());
            assertEquals(Map.of(), client.stats().retriesByReason, "no request failed through the gateway");
        }
    }
}
