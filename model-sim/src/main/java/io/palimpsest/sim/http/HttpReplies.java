package io.palimpsest.sim.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.ChannelOption;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;

/** Small helpers for answering on a Vert.x request. */
public final class HttpReplies {
    private HttpReplies() {}

    /** Completes when the body is written, or at once when the client is gone. */
    public static Future<Void> json(HttpServerRequest req, int status, JsonNode body) {
        HttpServerResponse resp = req.response();
        if (resp.ended() || resp.closed()) {
            return Future.succeededFuture();
        }
        return resp.setStatusCode(status)
                .putHeader("content-type", "application/json")
                .end(Json.write(body));
    }

    public static void error(HttpServerRequest req, ApiError e) {
        json(req, e.status(), ResponseBodies.error(e));
    }

    public static void text(HttpServerRequest req, int status, String contentType, String body) {
        HttpServerResponse resp = req.response();
        if (resp.ended() || resp.closed()) {
            return;
        }
        resp.setStatusCode(status).putHeader("content-type", contentType).end(body);
    }

    /**
     * Drops the connection with no response. With SO_LINGER 0 the close sends a TCP RST, as a
     * crashing server does; Vert.x keeps the channel behind an impl class, so when that is not
     * reachable it degrades to a plain close (FIN), which clients also see as a failed exchange.
     */
    public static void reset(HttpServerRequest req) {
        HttpConnection conn = req.connection();
        if (conn instanceof ConnectionBase base) {
            base.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        }
        conn.close();
    }
}
