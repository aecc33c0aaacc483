package io.palimpsest.worker.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import javax.xml.stream.XMLStreamException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class StoreGateTest {

    /** What waits at the gate: the store not answering, or saying it cannot now; never its answer to the request. */
    @Test
    void anOutageIsNoAnswerOrAnAnswerThatTheStoreCannotNow() {
        record Row(String what, SdkException failure, boolean outage) {}
        List<Row> rows = List.of(
                new Row("refused", unanswered(new ConnectException("Connection refused")), true),
                new Row("reset", unanswered(new SocketException("Connection reset")), true),
                new Row("timed out", unanswered(new SocketTimeoutException("Read timed out")), true),
                new Row(
                        "closed without a byte of answer",
                        unanswered(new SocketException("Unexpected end of file from server")),
                        true),
                new Row(
                        "an answer that broke off",
                        SdkClientException.create(
                                "Could not parse XML response.",
                                new XMLStreamException(
                                        "Premature EOF",
                                        new CutAnswerException(
                                                "the store's answer to GET /out broke off after 10 of its 20 bytes",
                                                null))),
                        true),
                new Row(
                        "a body the connection broke while it was sent",
                        SdkClientException.create(
                                "Unable to execute HTTP request: Error writing request body to server",
                                thrownAt(
                                        new java.io.IOException("Error writing request body to server"),
                                        "sun.net.www.protocol.http.HttpURLConnection$StreamingOutputStream")),
                        true),
                new Row(
                        "a request head the connection broke while it was sent",
                        SdkClientException.create(
                                "Unable to execute HTTP request: Error writing to server",
                                thrownAt(
                                        new java.io.IOException("Error writing to server"),
                                        "sun.net.www.protocol.http.HttpURLConnection")),
                        true),
                new Row(
                        "other words from the same client",
                        SdkClientException.create(
                                "Unable to execute HTTP request: Unable to tunnel through proxy",
                                thrownAt(
                                        new java.io.IOException("Unable to tunnel through proxy"),
                                        "sun.net.www.protocol.http.HttpURLConnection")),
                        false),
                new Row(
                        "the same words from anywhere else",
                        SdkClientException.create(
                                "Unable to execute HTTP request: Error writing request body to server",
                                thrownAt(
                                        new java.io.IOException("Error writing request body to server"),
                                        "io.palimpsest.worker.storage.S3Storage")),
                        false),
                new Row(
                        "a whole answer that is not the XML expected",
                        SdkClientException.create(
                                "Could not parse XML response.", new XMLStreamException("Unexpected character '<'")),
                        false),
                new Row(
                        "a file to upload that cannot be read",
                        SdkClientException.create(
                                "Unable to execute HTTP request: part-000001.jsonl.gz",
                                new UncheckedIOException(new NoSuchFileException("part-000001.jsonl.gz"))),
                        false),
                new Row(
                        "a TLS handshake refused",
                        unanswered(new SSLHandshakeException("PKIX path building failed")),
                        false),
                new Row("500", answered(500, "InternalError"), true),
                new Row("502", answered(502, null), true),
                new Row("503 SlowDown", answered(503, "SlowDown"), true),
                new Row("504", answered(504, null), true),
                new Row("429", answered(429, "TooManyRequests"), true),
                new Row("403 AccessDenied", answered(403, "AccessDenied"), false),
                new Row("403 InvalidAccessKeyId", answered(403, "InvalidAccessKeyId"), false),
                new Row("404 NoSuchBucket", answered(404, "NoSuchBucket"), false),
                new Row("412 PreconditionFailed", answered(412, "PreconditionFailed"), false),
                new Row("409 ConditionalRequestConflict", answered(409, "ConditionalRequestConflict"), false),
                new Row("400 InvalidRequest", answered(400, "InvalidRequest"), false),
                new Row("unknown host", unanswered(new UnknownHostException("no-such-store.example")), false),
                new Row(
                        "no credentials",
                        SdkClientException.create("Unable to load credentials from any of the providers"),
                        false));
        for (Row row : rows) {
            assertEquals(row.outage(), StoreGate.outage(row.failure()), row.what());
        }
    }

    private static Exception thrownAt(Exception e, String className) {
        e.setStackTrace(new StackTraceElement[] {new StackTraceElement(className, "write", null, 1)});
        return e;
    }

    private static SdkException unanswered(Exception cause) {
        return SdkClientException.create("Unable to execute HTTP request: " + cause.getMessage(), cause);
    }

    private static SdkException answered(int status, String code) {
        return (SdkException) S3Exception.builder()
                .statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build())
                .build();
    }
}
