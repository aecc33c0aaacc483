package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which failures of a try are a kept connection closed before a byte of answer, in the JDK client's words. */
class StaleConnectionTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(
                        "closed (FIN) before the first byte",
                        new IOException("HTTP/1.1 header parser received no bytes", new EOFException("EOF reached")),
                        false,
                        true),
                Arguments.of(
                        "reset before the first byte",
                        new IOException(
                                "HTTP/1.1 header parser received no bytes", new IOException("Connection reset")),
                        false,
                        true),
                Arguments.of(
                        "reset while the request was written",
                        new IOException("Connection reset by peer"),
                        false,
                        true),
                Arguments.of(
                        "a broken pipe while the request was written", new IOException("Broken pipe"), false, true),
                Arguments.of(
                        "cut in the status line",
                        new IOException(
                                "parsing HTTP/1.1 status line, receiving [HTTP/1.1 20], parser state [STATUS_LINE]",
                                new EOFException("EOF reached while reading")),
                        false,
                        false),
                Arguments.of(
                        "cut in a header",
                        new IOException(
                                "parsing HTTP/1.1 header, receiving [Content-Le], parser state [HEADER]",
                                new IOException("Connection reset")),
                        false,
                        false),
                Arguments.of("cut in the body", new EOFException("EOF reached while reading"), true, false),
                Arguments.of("refused", new ConnectException("Connection refused"), false, false),
                Arguments.of(
                        "connect timed out", new HttpConnectTimeoutException("HTTP connect timed out"), false, false),
                Arguments.of("past its deadline", new HttpTimeoutException("request timed out"), false, false),
                Arguments.of(
                        "closed by the client itself", new IOException("connection closed locally"), false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void staleOnlyWhenNoByteOfAnswerCame(String what, Throwable failure, boolean answerBegun, boolean stale) {
        assertEquals(stale, StaleConnection.met(failure, answerBegun), what);
    }
}
