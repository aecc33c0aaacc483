package io.palimpsest.worker.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A client kept busy: a fixed number of short chat requests in flight until a deadline, as a worker's window. */
final class BusyLanes {

    private BusyLanes() {}

    /** {@code lanes} requests in flight at all times until {@code untilNanos}; every one must succeed. */
    static void keepBusy(ModelClient client, ObjectMapper json, int lanes, long untilNanos) throws Exception {
        List<CompletableFuture<ModelReply>> open = new ArrayList<>();
        for (int lane = 0; lane < lanes; lane++) {
            open.add(CompletableFuture.completedFuture(null));
        }
        while (System.nanoTime() < untilNanos) {
            for (int lane = 0; lane < open.size(); lane++) {
                if (open.get(lane).isDone()) {
                    open.get(lane).get();
                    open.set(lane, client.chat(chat(json, "lane " + lane, 8)));
                }
            }
            Thread.sleep(2);
        }
        for (CompletableFuture<ModelReply> lane : open) {
            lane.get(20, TimeUnit.SECONDS);
        }
    }

    /**
     * {@code requests} short chat requests in all, {@code lanes} of them in flight at a time; every one must
     * succeed. A count, not a time: what a test then finds does not depend on how fast the machine is.
     */
    static void send(ModelClient client, ObjectMapper json, int lanes, int requests) throws Exception {
        List<CompletableFuture<ModelReply>> open = new ArrayList<>();
        for (int lane = 0; lane < lanes; lane++) {
            open.add(CompletableFuture.completedFuture(null));
        }
        int sent = 0;
        while (sent < requests) {
            for (int lane = 0; lane < open.size() && sent < requests; lane++) {
                if (open.get(lane).isDone()) {
                    open.get(lane).get();
                    open.set(lane, client.chat(chat(json, "lane " + lane, 8)));
                    sent++;
                }
            }
            Thread.sleep(2);
        }
        for (CompletableFuture<ModelReply> lane : open) {
            lane.get(60, TimeUnit.SECONDS);
        }
    }

    /** A chat completion body for the simulator's model "sim". */
    static ObjectNode chat(ObjectMapper json, String text, int maxTokens) {
        ObjectNode body = json.createObjectNode();
        body.put("model", "sim");
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        body.put("max_tokens", maxTokens);
        return body;
    }
}
