package io.palimpsest.sim;

/** How a paused simulator looks from outside. */
public enum OutageMode {
    /**
     * The listening socket is closed and open connections are dropped, like a crashed pod:
     * clients see "connection refused" and in-flight requests fail.
     */
    REFUSE_CONNECTIONS,
    /**
     * Every endpoint, /health included, answers 503 while requests already running finish,
     * like a pod whose engine is restarting behind a live HTTP front end.
     */
    SERVICE_UNAVAILABLE
}
