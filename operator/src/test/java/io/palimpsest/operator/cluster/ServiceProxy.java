package io.palimpsest.operator.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Service port: a TCP listener on the cluster IP that splices each accepted connection to the
 * next endpoint, round robin. It listens only while there is at least one endpoint, so a Service
 * with no ready pod refuses connections instead of accepting and dropping them.
 */
final class ServiceProxy implements AutoCloseable {

    record Endpoint(String ip, int port) {}

    private final Vertx vertx;
    private final String name;
    private final String ip;
    private final int port;
    private final EventLog log;
    private final NetClient backends;
    private final AtomicInteger next = new AtomicInteger();
    private final Map<String, Integer> connections = new ConcurrentHashMap<>();
    private volatile List<Endpoint> endpoints = List.of();
    private NetServer server;

    ServiceProxy(Vertx vertx, String name, String ip, int port, EventLog log) {
        this.vertx = vertx;
        this.name = name;
        this.ip = ip;
        this.port = port;
        this.log = log;
        this.backends = vertx.createNetClient(
                new NetClientOptions().setConnectTimeout(2000).setTcpNoDelay(true));
    }

    synchronized void update(List<Endpoint> now) {
        if (!now.equals(endpoints)) {
            log.record(
                    "kube-proxy",
                    name,
                    "endpoints "
                            + now.stream().map(e -> e.ip() + ":" + e.port()).toList());
        }
        endpoints = List.copyOf(now);
        if (!now.isEmpty() && server == null) {
            NetServer s = vertx.createNetServer(new NetServerOptions()
                    .setHost(ip)
                    .setPort(port)
                    .setReuseAddress(true)
                    .setTcpNoDelay(true)
                    .setAcceptBacklog(4096));
            s.connectHandler(this::splice);
            await(s.listen());
            server = s;
        } else if (now.isEmpty() && server != null) {
            await(server.close());
            server = null;
        }
    }

    Map<String, Integer> connectionsPerEndpoint() {
        return new TreeMap<>(connections);
    }

    private void splice(NetSocket client) {
        List<Endpoint> current = endpoints;
        if (current.isEmpty()) {
            client.close();
            return;
        }
        Endpoint target = current.get(Math.floorMod(next.getAndIncrement(), current.size()));
        connections.merge(target.ip(), 1, Integer::sum);
        client.pause();
        backends.connect(target.port(), target.ip()).onComplete(ar -> {
            if (ar.failed()) {
                client.close();
                return;
            }
            NetSocket backend = ar.result();
            client.pipeTo(backend);
            backend.pipeTo(client);
            client.exceptionHandler(e -> backend.close());
            backend.exceptionHandler(e -> client.close());
        });
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            await(server.close());
            server = null;
        }
        backends.close();
    }
}
