package io.palimpsest.operator.model;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Load on a simulator replica as a number of open completion requests: each is a raw socket
 * that sent its request and never reads, so the request stays running or waiting until the
 * socket is closed (the simulator aborts it then, like vLLM on a client disconnect).
 */
final class OpenRequests implements AutoCloseable {
    private final URI base;
    private final String model;
    private final List<Socket> open = new ArrayList<>();

    OpenRequests(String baseUrl, String model) {
        this.base = URI.create(baseUrl);
        this.model = model;
    }

    /** Opens or closes requests until exactly n are open. */
    synchronized void set(int n) throws IOException {
        while (open.size() > n) {
            open.remove(open.size() - 1).close();
        }
        while (open.size() < n) {
            open.add(send());
        }
    }

    private Socket send() throws IOException {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":4000,\"prompt\":\""
                + "The quick brown fox jumps over the lazy dog. ".repeat(40) + "\"}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Socket s = new Socket(base.getHost(), base.getPort());
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + bytes.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return s;
    }

    @Override
    public synchronized void close() throws IOException {
        set(0);
    }
}
