package io.palimpsest.worker.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP server that answers every request as an S3 store answers one it will not serve, with one
 * status and error code: what S3Mock, which serves any region and signature, cannot be made to say
 * (a store in another region: 301 PermanentRedirect, 400 AuthorizationHeaderMalformed).
 */
public final class S3ErrorServer implements AutoCloseable {

    private final HttpServer server;

    public S3ErrorServer(int status, String code, String message) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                        + "</Message><RequestId>test</RequestId></Error>")
                .getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().add("Content-Type", "application/xml");
                if (exchange.getRequestMethod().equals("HEAD")) {
                    exchange.sendResponseHeaders(status, -1); // a HEAD's error has no body, hence no code
                } else {
                    exchange.sendResponseHeaders(status, body.length);
                    exchange.getResponseBody().write(body);
                }
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
