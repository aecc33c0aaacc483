package io.palimpsest.worker.client;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Locale;

/**
 * How the worker uses connections to the model: one per request, or kept alive.
 *
 * <p>A Kubernetes Service balances connections, not requests (kube-proxy picks a ready replica when a
 * connection opens), and HTTP/1.1 keep-alive holds a connection for as long as it is used. Kept
 * connections therefore keep requests on the replicas they first reached: a cold start's first
 * workers load the one replica ready then, and a replica that has a queue keeps its connections
 * busy longer than the others keep theirs, so any scheme that renews "the next connection used"
 * renews the idle replicas' connections first and drifts load toward the queued one (closing one
 * request's connection every {@code 10 s / connections} left the first replica of a P6 campaign
 * with 120 queued requests for 100 s while the other three ran 90 of 128; docs/BENCHMARKS.md). With
 * {@link #PER_REQUEST} every request asks the server to close its connection after the reply
 * ({@code Connection: close}), so the Service places each request: one TCP connect per request, small
 * beside a generation of seconds.
 *
 * <p>Java's HttpClient refuses to set {@code Connection} unless the JVM started with
 * {@code -Djdk.httpclient.allowRestrictedHeaders=connection}, read once when its classes load; the
 * {@code palimpsest} command and the model client set it before they use any. A JVM that loaded them
 * without it is refused at the client's construction ({@link #requireAllowed}), rather than left to
 * pin its connections silently.
 */
public enum ConnectionUse {
    /** Every request on a connection of its own, closed after the reply: the Service places each request. */
    PER_REQUEST,
    /** Connections kept alive and reused for as long as they serve. */
    KEPT;

    /** The system property (read once, when the JDK's HTTP classes load) that lets a client send {@code Connection}. */
    public static final String ALLOW_PROPERTY = "jdk.httpclient.allowRestrictedHeaders";

    /** {@code request} as this policy sends it. */
    public HttpRequest apply(HttpRequest request) {
        return this == PER_REQUEST ? closing(request) : request;
    }

    /** Refuses a policy this JVM cannot follow: {@link #PER_REQUEST} where the Connection header is not allowed. */
    public void requireAllowed() {
        if (this == PER_REQUEST && !connectionHeaderAllowed()) {
            throw new IllegalStateException(
                    "this JVM cannot set the Connection header, so the worker's connections would stay on"
                            + " the model replicas they first reached: start it with -D" + ALLOW_PROPERTY
                            + "=connection (the palimpsest"
                            + " command does), or give the client kept connections");
        }
    }

    /** Allows the header for this JVM, when called before anything loaded the JDK's HTTP client. */
    public static void allowConnectionHeader() {
        String allowed = System.getProperty(ALLOW_PROPERTY, "");
        if (!(',' + allowed.replace(" ", "").toLowerCase(Locale.ROOT) + ',').contains(",connection,")) {
            System.setProperty(ALLOW_PROPERTY, allowed.isBlank() ? "connection" : allowed + ",connection");
        }
    }

    /** {@code request} with {@code Connection: close} added. */
    public static HttpRequest closing(HttpRequest request) {
        return HttpRequest.newBuilder(request, (name, value) -> true)
                .header("Connection", "close")
                .build();
    }

    /**
     * {@code request} with {@code Connection: close} added where this JVM lets a client set it, else as it is (the
     * connection is then kept, as the server's answer says).
     */
    public static HttpRequest closingWhereAllowed(HttpRequest request) {
        return connectionHeaderAllowed() ? closing(request) : request;
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
