package io.palimpsest.sim.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.FaultConfig;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;

/**
 * The admin API's JSON form of a {@link FaultConfig}:
 * {@code {"rates": {"rate_limit": 0.1}, "seed": 42, "slow_start_seconds": 10, "retry_after_seconds": 1}}.
 * Fields left out keep their defaults, so {@code {"rates": {}}} switches every fault off.
 */
public final class FaultConfigJson {
    private FaultConfigJson() {}

    public static FaultConfig read(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object with 'rates'");
        }
        FaultConfig.Builder b = FaultConfig.builder();
        JsonNode rates = node.path("rates");
        if (!rates.isMissingNode()) {
            if (!rates.isObject()) {
                throw new IllegalArgumentException("'rates' must map fault names to numbers");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = rates.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber()) {
                    throw new IllegalArgumentException("rate of " + e.getKey() + " must be a number");
                }
                b.rate(Fault.parse(e.getKey()), e.getValue().asDouble());
            }
        }
        if (node.has("seed")) {
            b.seed(node.get("seed").asLong());
        }
        if (node.has("slow_start_seconds")) {
            b.slowStartDelay(
                    Duration.ofMillis(Math.round(node.get("slow_start_seconds").asDouble() * 1000)));
        }
        if (node.has("retry_after_seconds")) {
            b.retryAfterSeconds(node.get("retry_after_seconds").asInt());
        }
        return b.build();
    }

    public static ObjectNode write(FaultConfig config) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        ObjectNode rates = node.putObject("rates");
        config.rates().forEach((f, r) -> rates.put(f.wireName(), r));
        node.put("seed", config.seed());
        node.put("slow_start_seconds", config.slowStartDelay().toMillis() / 1000.0);
        node.put("retry_after_seconds", config.retryAfterSeconds());
        return node;
    }
}
