package io.palimpsest.sim.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.sim.RequestOutcome;
import io.palimpsest.sim.engine.Sequence;
import io.palimpsest.sim.engine.SequenceListener;
import io.palimpsest.sim.output.PlannedOutput;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Optional;

/**
 * A {@code stream: true} answer as server-sent events: headers with the first token (as vLLM,
 * which sends nothing before the engine's first output), one chunk per token with the finish
 * reason on the last, an optional usage chunk, then {@code data: [DONE]}. With continuous usage
 * every chunk carries the usage so far, as vLLM's {@code continuous_usage_stats} does.
 */
final class StreamingCompletion implements SequenceListener {
    private final HttpServerRequest request;
    private final ResponseBodies.Header header;
    private final PlannedOutput plan;
    private final boolean includeUsage;
    private final boolean continuousUsage;
    private final LoggedRequest entry;
    private final Optional<Fault> fault;
    private final TokenChunkTemplate tokenChunks;

    StreamingCompletion(
            HttpServerRequest request,
            ResponseBodies.Header header,
            PlannedOutput plan,
            boolean includeUsage,
            boolean continuousUsage,
            LoggedRequest entry,
            Optional<Fault> fault) {
        this.request = request;
        this.header = header;
        this.plan = plan;
        this.includeUsage = includeUsage;
        this.continuousUsage = continuousUsage;
        this.entry = entry;
        this.fault = fault;
        this.tokenChunks = new TokenChunkTemplate(header);
    }

    @Override
    public void onFirstToken(Sequence seq) {
        HttpServerResponse resp = request.response();
        resp.setStatusCode(200)
                .setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache");
        if (header.kind() == CompletionRequest.Kind.CHAT) {
            send(withUsage(ResponseBodies.roleChunk(header), seq, 0));
        }
    }

    @Override
    public void onToken(Sequence seq, String piece) {
        boolean last = seq.emitted() >= seq.completionTokens();
        if (last) {
            send(withUsage(
                    ResponseBodies.tokenChunk(header, piece, seq.finishReason(), plan.stopReason()),
                    seq,
                    seq.emitted()));
        } else if (continuousUsage) {
            send(withUsage(ResponseBodies.tokenChunk(header, piece, null, null), seq, seq.emitted()));
        } else {
            sendRaw(tokenChunks.render(piece));
        }
    }

    @Override
    public void onFinish(Sequence seq) {
        if (seq.completionTokens() == 0) {
            send(ResponseBodies.tokenChunk(header, "", seq.finishReason(), plan.stopReason()));
        }
        if (includeUsage) {
            send(ResponseBodies.usageChunk(header, seq.promptTokens(), seq.completionTokens()));
        }
        entry.outcome(new RequestOutcome(
                200, fault, seq.finishReason().wireName(), plan.text(), seq.promptTokens(), seq.completionTokens()));
        HttpServerResponse resp = request.response();
        if (!resp.closed() && !resp.ended()) {
            resp.end("data: [DONE]\n\n");
        }
    }

    private ObjectNode withUsage(ObjectNode chunk, Sequence seq, int completionTokens) {
        if (continuousUsage) {
            chunk.set(
                    "usage",
                    ResponseBodies.usage(seq.promptTokens(), Math.min(completionTokens, seq.completionTokens())));
        }
        return chunk;
    }

    private void send(JsonNode chunk) {
        sendRaw(Json.write(chunk));
    }

    private void sendRaw(String json) {
        HttpServerResponse resp = request.response();
        if (!resp.closed() && !resp.ended()) {
            resp.write("data: " + json + "\n\n");
        }
    }
}
