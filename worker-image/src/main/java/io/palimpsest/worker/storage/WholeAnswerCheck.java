package io.palimpsest.worker.storage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.Abortable;
import software.amazon.awssdk.http.SdkHttpMethod;

/**
 * Makes an answer of the store that breaks off fail as cut ({@link CutAnswerException}). Through the SDK's
 * URL-connection client such an answer otherwise looks like the store's own: a body framed by a Content-Length that
 * stops short just ends (JDK-8335135), and one in chunks fails with a bare {@code IOException("Premature EOF")} that
 * the XML parser wraps in its own exception; either way the SDK reports "Could not parse XML response", does not
 * retry it (the IOException, if any, lies deeper than the cause it looks at), and the request failed at once. Here
 * every failure to read an answer's bytes is the connection's (they come from nowhere else), and an end before the
 * Content-Length is a cut. A HEAD's answer, and a 204's or 304's, has no body to check.
 */
final class WholeAnswerCheck implements ExecutionInterceptor {

    @Override
    public Optional<InputStream> modifyHttpResponseContent(
            Context.ModifyHttpResponse context, ExecutionAttributes executionAttributes) {
        Optional<InputStream> body = context.responseBody();
        int status = context.httpResponse().statusCode();
        if (body.isEmpty() || context.httpRequest().method() == SdkHttpMethod.HEAD || status == 204 || status == 304) {
            return body;
        }
        long length = context.httpResponse()
                .firstMatchingHeader("Content-Length")
                .map(WholeAnswerCheck::length)
                .orElse(-1L);
        String request = context.httpRequest().method() + " "
                + context.httpRequest().getUri().getRawPath();
        return Optional.of(new Checked(body.get(), length, request));
    }

    private static long length(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException unreadable) {
            return -1; // not checked: the client read the body as it could
        }
    }

    /** An answer's body that counts its bytes; abortable as the body it wraps, so that a broken GET is not drained. */
    private static final class Checked extends FilterInputStream implements Abortable {

        /** The Content-Length, or -1 when the body is not framed by one (chunks). */
        private final long length;

        private final String request;
        private long read;

        Checked(InputStream body, long length, String request) {
            super(body);
            this.length = length;
            this.request = request;
        }

        @Override
        public int read() throws IOException {
            int b;
            try {
                b = super.read();
            } catch (IOException e) {
                throw cut(e);
            }
            if (b < 0) {
                ended();
            } else {
                read++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int count) throws IOException {
            int n;
            try {
                n = super.read(buffer, offset, count);
            } catch (IOException e) {
                throw cut(e);
            }
            if (n < 0) {
                ended();
            } else {
                read += n;
            }
            return n;
        }

        @Override
        public long skip(long count) throws IOException {
            try {
                long skipped = super.skip(count);
                read += skipped;
                return skipped;
            } catch (IOException e) {
                throw cut(e);
            }
        }

        private void ended() throws CutAnswerException {
            if (length >= 0 && read < length) {
                throw new CutAnswerException(
                        "the store's answer to " + request + " broke off after " + read + " of its " + length
                                + " bytes",
                        null);
            }
        }

        private CutAnswerException cut(IOException e) {
            if (e instanceof CutAnswerException already) {
                return already;
            }
            return new CutAnswerException(
                    "the store's answer to " + request + " broke off after " + read + " bytes"
                            + (length >= 0 ? " of its " + length : "") + " (" + e + ")",
                    e);
        }

        @Override
        public void abort() {
            if (in instanceof Abortable abortable) {
                abortable.abort();
            }
        }
    }
}
