package io.palimpsest.worker.client;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;

/**
 * Whether a try failed as a kept-alive connection fails that its server closed just as the request went out over it
 * (uvicorn, in front of vLLM, closes a connection idle for 5 s; the JDK's client reuses it for a POST and, as it
 * sends a POST only once, fails it): the connection ended before a single byte of answer came back. The server did not
 * answer, so nothing of the request was taken from it and the request may be sent again as it is, once, on a new
 * connection, before the replica is taken for failing. Not this: a connection refused or timed out (the replica is
 * not there), a request past its deadline, and any failure after a byte of the answer arrived (the JDK then names the
 * status line or header it was reading).
 */
final class StaleConnection {

    /** The JDK's words for a connection that ended before its answer's first byte (its header parser's first state). */
    static final String NO_BYTES = "header parser received no bytes";

    private StaleConnection() {}

    /**
     * @param failure      the try's failure, as the JDK's client gave it
     * @param answerBegun  whether the answer's status line and headers had arrived (the body handler was asked for)
     */
    static boolean met(Throwable failure, boolean answerBegun) {
        if (answerBegun) {
            return false;
        }
        boolean noBytes = false;
        boolean ended = false;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof HttpTimeoutException) {
                return false;
            }
            String message = cause.getMessage() == null ? "" : cause.getMessage();
            if (message.startsWith("parsing HTTP/1.1") || message.startsWith("HTTP/1.1 parser receiving")) {
                return false; // a part of the status line or of a header came
            }
            noBytes |= message.contains(NO_BYTES);
            ended |= cause instanceof EOFException
                    || (cause instanceof IOException
                            && (message.contains("Connection reset") || message.contains("Broken pipe")));
        }
        // the parser's words say no byte came; a reset or a broken pipe met while the request was still being
        // written says the same, as the answer's reading had not begun
        return noBytes || ended;
    }
}
