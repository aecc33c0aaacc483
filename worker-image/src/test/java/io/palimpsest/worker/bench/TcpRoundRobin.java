package io.palimpsest.worker.bench;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several simulators behind one address, balanced per TCP connection the way a Kubernetes Service
 * (kube-proxy) balances: each new connection goes to the next backend, and keeps it.
 */
final class TcpRoundRobin implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final NetServer server;

    TcpRoundRobin(List<Integer> backendPorts) throws Exception {
        NetClient client = vertx.createNetClient();
        AtomicInteger next = new AtomicInteger();
        server = vertx.createNetServer().connectHandler(front -> {
            front.pause();
            int port = backendPorts.get(Math.floorMod(next.getAndIncrement(), backendPorts.size()));
            client.connect(port, "127.0.0.1")
                    .onSuccess(back -> {
                        front.pipeTo(back);
                        back.pipeTo(front);
                        front.resume();
                    })
                    .onFailure(error -> front.close());
        });
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    @Override
    public void close() {
        vertx.close();
    }
}
