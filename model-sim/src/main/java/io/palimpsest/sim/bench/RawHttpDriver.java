package io.palimpsest.sim.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTP/1.1 load generator in the manner of wrk: {@code concurrency} keep-alive
 * connections, each sending one pre-encoded POST, reading the response by Content-Length, and
 * sending the next. On a 2-core machine a full HTTP client costs more CPU per request than the
 * simulator does, so the throughput benchmark would measure the client; this one costs little.
 * Only for answers with a Content-Length (not streams).
 */
final class RawHttpDriver {
    private final URI target;
    private final byte[] request;
    private final int concurrency;

    RawHttpDriver(String url, String jsonBody, int concurrency) {
        this.target = URI.create(url);
        byte[] body = jsonBody.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + target.getRawPath() + " HTTP/1.1\r\n"
                + "Host: " + target.getHost() + ":" + target.getPort() + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        this.request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        this.concurrency = concurrency;
    }

    LoadResult run(double warmupSeconds, double measureSeconds) throws InterruptedException {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        try {
            NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
            LoadWindow window = new LoadWindow(System.nanoTime(), warmupSeconds, measureSeconds);
            CountDownLatch done = new CountDownLatch(concurrency);
            Buffer payload = Buffer.buffer(request);
            vertx.runOnContext(v -> {
                for (int i = 0; i < concurrency; i++) {
                    client.connect(target.getPort(), target.getHost())
                            .onSuccess(socket -> new Connection(socket, payload, window, done).send())
                            .onFailure(e -> {
                                window.finished(System.nanoTime(), System.nanoTime(), false);
                                done.countDown();
                            });
                }
            });
            if (!done.await((long) (warmupSeconds + measureSeconds) + 120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("load did not drain in time");
            }
            return window.result();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    /** One keep-alive connection: send, parse one response, repeat until the window ends. */
    private static final class Connection {
        private final NetSocket socket;
        private final Buffer payload;
        private final LoadWindow window;
        private final CountDownLatch done;
        private Buffer pending = Buffer.buffer();
        private long started;
        private boolean finished;

        Connection(NetSocket socket, Buffer payload, LoadWindow window, CountDownLatch done) {
            this.socket = socket;
            this.payload = payload;
            this.window = window;
            this.done = done;
            socket.handler(this::received);
            socket.closeHandler(v -> stop(false));
        }

        void send() {
            started = System.nanoTime();
            if (window.over(started)) {
                stop(true);
                return;
            }
            socket.write(payload);
        }

        private void received(Buffer data) {
            pending.appendBuffer(data);
            int headerEnd = indexOf(pending, "\r\n\r\n");
            if (headerEnd < 0) {
                return;
            }
            String head = pending.getString(0, headerEnd, "US-ASCII");
            int length = contentLength(head);
            int total = headerEnd + 4 + length;
            if (length < 0 || pending.length() < total) {
                if (length < 0) {
                    stop(false);
                }
                return;
            }
            boolean ok = head.startsWith("HTTP/1.1 200");
            pending = pending.getBuffer(total, pending.length());
            window.finished(started, System.nanoTime(), ok);
            send();
        }

        private void stop(boolean clean) {
            if (finished) {
                return;
            }
            finished = true;
            if (!clean) {
                window.finished(started, System.nanoTime(), false);
            }
            socket.close();
            done.countDown();
        }

        private static int contentLength(String head) {
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    return Integer.parseInt(
                            line.substring("content-length:".length()).trim());
                }
            }
            return -1;
        }

        private static int indexOf(Buffer buffer, String marker) {
            byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
            outer:
            for (int i = 0; i + m.length <= buffer.length(); i++) {
                for (int j = 0; j < m.length; j++) {
                    if (buffer.getByte(i + j) != m[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }
}
