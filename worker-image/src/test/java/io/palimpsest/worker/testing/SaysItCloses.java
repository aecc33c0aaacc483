package io.palimpsest.worker.testing;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * For the tests' JDK HttpServers: the answer to a request that asked to close its connection says
 * {@code Connection: close}, as uvicorn and other real servers say it. The JDK's HttpServer closes such a connection
 * without saying so, and the JDK's client, which reads keep-alive from the answer alone, keeps the closed connection
 * in its pool; the model client asks to close every connection (its calls, its counts and its /metrics scrapes), so
 * a POST it sends soon after may go over one of them and fail unanswered ("HTTP/1.1 header parser received no bytes")
 * whenever the client has not yet seen the close, which a loaded machine makes likely: a failure of the test server,
 * not of the code under test, that a test allowing one try (maxAttempts 1) reports as the call's failure.
 */
public final class SaysItCloses extends Filter {

    /** {@code context} with its answers saying when they close. */
    public static HttpContext on(HttpContext context) {
        context.getFilters().add(new SaysItCloses());
        return context;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        if ("close".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Connection"))) {
            exchange.getResponseHeaders().set("Connection", "close");
        }
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "says Connection: close in the answer to a request that asked for it";
    }
}
