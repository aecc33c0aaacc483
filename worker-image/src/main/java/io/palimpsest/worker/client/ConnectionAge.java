package io.palimpsest.worker.client;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Keeps the worker's connections young, so that its requests follow the model's replicas as they
 * come and go. A Service balances connections, not requests, and HTTP/1.1 keep-alive holds a
 * connection for as long as it is used: connections opened while one replica was ready (a cold
 * start, a replica restarting) would load that replica for the whole of a long shard while later
 * replicas wait for traffic. So now and then a request asks the server to close its connection
 * after the reply ({@code Connection: close}), and the client's next request opens one anew, which
 * the Service sends to any ready replica. One request in {@code maxAge / connections} does, so each
 * of the about {@code connections} open connections lives about {@code maxAge}: against requests of
 * seconds to minutes, one TCP connect per connection every {@code maxAge} costs nothing.
 *
 * <p>Java's HttpClient refuses to set {@code Connection} unless the JVM started with
 * {@code -Djdk.httpclient.allowRestrictedHeaders=connection}, read once when its classes load; the
 * {@code palimpsest} command and the model client set it before they use any. A JVM that loaded them
 * without it is refused here, at construction, rather than left to pin its connections silently.
 */
public final class ConnectionAge {

    /** The system property (read once, when the JDK's HTTP classes load) that lets a client send {@code Connection}. */
    public static final String ALLOW_PROPERTY = "jdk.httpclient.allowRestrictedHeaders";

    private final long spacingNanosPerConnection;
    private final LongSupplier nanoClock;
    private final AtomicLong lastClose;

    /**
     * @param maxAge how long a connection should serve at most, on average; zero or negative: never closed
     */
    public ConnectionAge(Duration maxAge, LongSupplier nanoClock) {
        if (!maxAge.isZero() && !maxAge.isNegative() && !connectionHeaderAllowed()) {
            throw new IllegalStateException("this JVM cannot set the Connection header, so the worker's connections would stay on"
                    + " the model replicas they first reached: start it with -D" + ALLOW_PROPERTY + "=connection (the palimpsest"
                    + " command does), or give the client a connection age of 0");
        }
        this.spacingNanosPerConnection = maxAge.isNegative() ? 0 : maxAge.toNanos();
        this.nanoClock = nanoClock;
        this.lastClose = new AtomicLong(nanoClock.getAsLong());
    }

    /** Allows the header for this JVM, when called before anything loaded the JDK's HTTP client. */
    public static void allowConnectionHeader() {
        String allowed = System.getProperty(ALLOW_PROPERTY, "");
        if (!(',' + allowed.replace(" ", "").toLowerCase(java.util.Locale.ROOT) + ',').contains(",connection,")) {
            System.setProperty(ALLOW_PROPERTY, allowed.isBlank() ? "connection" : allowed + ",connection");
        }
    }

    /**
     * Whether the next request should close its connection after the reply.
     *
     * @param connections about how many connections the client keeps open (its requests in flight)
     */
    public boolean closeNext(int connections) {
        if (spacingNanosPerConnection == 0) {
            return false;
        }
        long now = nanoClock.getAsLong();
        long spacing = spacingNanosPerConnection / Math.max(1, connections);
        long last = lastClose.get();
        return now - last >= spacing && lastClose.compareAndSet(last, now);
    }

    /** {@code request} with {@code Connection: close} added. */
    public static HttpRequest closing(HttpRequest request) {
        return HttpRequest.newBuilder(request, (name, value) -> true).header("Connection", "close").build();
    }

    private static boolean connectionHeaderAllowed() {
        try {
            HttpRequest.newBuilder(URI.create("http://localhost/")).header("Connection", "close");
            return true;
        } catch (IllegalArgumentException refused) {
            return false;
        }
    }
}
