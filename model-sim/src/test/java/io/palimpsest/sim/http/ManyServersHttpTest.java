package io.palimpsest.sim.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimClient;
import io.palimpsest.sim.SimConfig;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A simulated cluster runs several replicas in one JVM, one loopback address each. */
class ManyServersHttpTest {

    @Test
    void replicasAreIndependent() throws Exception {
        List<ModelSimServer> replicas = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                SimConfig cfg =
                        SimConfig.builder().zeroLatency().modelName("m" + i).build();
                replicas.add(ModelSimServer.start(cfg, "127.0.0." + (i + 1), 0));
            }
            Set<String> urls = new HashSet<>();
            for (int i = 0; i < replicas.size(); i++) {
                ModelSimServer r = replicas.get(i);
                urls.add(r.baseUrl());
                SimClient client = new SimClient(r.baseUrl());
                assertEquals(
                        "m" + i,
                        client.get("/v1/models").json().at("/data/0/id").asText());
                client.post("/v1/chat/completions", SimClient.chat("hello").put("model", "m" + i));
                assertEquals(1, r.requestLog().size());
            }
            assertEquals(4, urls.size());
            replicas.get(0).close();
            assertThrows(
                    ConnectException.class, () -> new SimClient(replicas.get(0).baseUrl()).get("/health"));
            assertEquals(
                    200, new SimClient(replicas.get(3).baseUrl()).get("/health").status());
        } finally {
            replicas.forEach(ModelSimServer::close);
        }
    }
}
