package io.palimpsest.worker.storage;

import io.palimpsest.worker.client.EndpointGate;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where requests to an object store wait while it is down. The SDK retries a failed request a few
 * times within a second or two; a store that is restarting, or answers SlowDown for minutes, outlasts
 * that. A request that still fails for such a reason ({@link #outage}) closes the model endpoint's
 * kind of gate ({@link EndpointGate}): this and every other request to the store wait, a HEAD of the
 * bucket probes it after 1 s, then 2, 4, 8 and every 16 s, and once it answers the requests are
 * sent again. Past {@code maxOutage} they fail with {@link StoreUnavailableException}. Anything
 * else (403, 404, 412, bad credentials, no credentials from the default chain, an unknown host) is
 * the request's own answer and is thrown at once.
 */
final class StoreGate {

    static final Duration DEFAULT_MAX_OUTAGE = Duration.ofMinutes(10);
    static final Duration FIRST_PROBE = Duration.ofSeconds(1);
    /** The SDK has retried every failure already: one that is still an outage closes the gate. */
    private static final int THRESHOLD = 1;
    /** A probe's deadline, retries included: a store that accepts connections but never answers is down. */
    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(10);

    /** Probes are short and rare: one thread serves every store's gate. */
    private static final ScheduledExecutorService PROBES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "object-store-probe");
        t.setDaemon(true);
        return t;
    });

    private final EndpointGate gate;
    /** The address requests go to, as the client resolved it (the endpoint set, or AWS's for the bucket). */
    private final Supplier<String> address;
    /** The run's record of the stores that answered, when a first request no store answers stops it; else null. */
    private StoreStartCheck startCheck;

    private Function<SdkException, IOException> noAnswerAtStart;

    StoreGate(S3Client client, String bucket, Duration maxOutage, Duration firstProbe) {
        this(client, bucket, maxOutage, firstProbe, () -> "", () -> "");
    }

    /**
     * @param address    where requests go (named in the outage's messages)
     * @param setting    where that endpoint is set (named in the message past {@code maxOutage})
     */
    StoreGate(
            S3Client client,
            String bucket,
            Duration maxOutage,
            Duration firstProbe,
            Supplier<String> address,
            Supplier<String> setting) {
        this.address = address;
        this.gate = new EndpointGate(
                new BucketHead(client, bucket, address, setting),
                PROBES,
                THRESHOLD,
                firstProbe,
                firstProbe.multipliedBy(16),
                maxOutage,
                System::nanoTime);
    }

    /**
     * From now on, a request that gets no answer at all (a refused connection, a timeout, a connection closed without
     * a byte of answer) while no request to this store's address has been answered in the run ({@code check}) is not
     * waited for: it fails at once with {@code noAnswer}'s exception. A store that answered once, even 503, or began
     * an answer that broke off, is waited for as before.
     */
    void stopAtStart(StoreStartCheck check, Function<SdkException, IOException> noAnswer) {
        this.startCheck = check;
        this.noAnswerAtStart = noAnswer;
    }

    /**
     * Sends {@code request} once the gate is open, and again after each outage it meets, until it is
     * answered; an SDK exception that is no outage is thrown as it is.
     */
    <T> T call(Supplier<T> request) throws IOException {
        while (true) {
            awaitOpen();
            try {
                T answer = request.get();
                answered();
                gate.recordSuccess();
                return answer;
            } catch (SdkException e) {
                if (e instanceof SdkServiceException || CutAnswerException.in(e).isPresent()) {
                    answered(); // the store answered (or began to): it is there, whatever it said
                }
                if (!outage(e)) {
                    if (e instanceof SdkServiceException) {
                        gate.recordSuccess(); // the store answered: it is up, whatever it said
                    }
                    throw e;
                }
                if (startCheck != null && !startCheck.answered(address.get())) {
                    throw noAnswerAtStart.apply(e);
                }
                gate.recordOutage(what(e), Optional.empty());
            } catch (SecretDirectoryCredentials.Unusable e) {
                // the SDK lets a credentials provider's own exception through: make it the client's
                // failure, which every request's caller reports (as a refusal of the credentials)
                throw SdkClientException.create("cannot sign the request: " + e.getMessage(), e);
            }
        }
    }

    private void answered() {
        if (startCheck != null) {
            startCheck.answer(address.get());
        }
    }

    private void awaitOpen() throws IOException {
        try {
            gate.whenOpen().get();
        } catch (ExecutionException e) {
            // a new exception per waiter: several threads throw it, and each may add suppressed ones
            throw new StoreUnavailableException(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the object store");
        }
    }

    /**
     * The store did not answer (a refused, reset or timed-out connection, or one it closed without a byte of answer:
     * the URL-connection client's "Unexpected end of file from server" is a {@link SocketException}), its answer
     * broke off ({@link CutAnswerException}), or it said it cannot now (500, 502, 503, 504, or a throttling code such
     * as SlowDown or a 429). Not every IOException: the SDK retries any it finds as a failure or its cause, but an
     * unknown host, a TLS handshake refused, a file to upload that cannot be read or an answer that parses wrong
     * whole are the same when sent again, and fail at once.
     */
    static boolean outage(SdkException e) {
        if (e instanceof SdkServiceException answered) {
            int status = answered.statusCode();
            return status == 500 || status == 502 || status == 503 || status == 504 || answered.isThrottlingException();
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketException
                    || cause instanceof SocketTimeoutException
                    || cause instanceof CutAnswerException
                    || requestNotSent(cause)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The JDK's client could not send a request: the connection broke while its head or body was being written (a
     * store restarting mid-upload, or a load balancer with no store behind it, resets it). That client keeps the
     * socket's own failure to itself and says only "Error writing to server" or "Error writing request body to
     * server", so the failure is known by those words and where it is thrown: its request writing, which fails only
     * on the connection.
     */
    private static boolean requestNotSent(Throwable cause) {
        if (cause.getClass() != java.io.IOException.class
                || cause.getCause() != null
                || !REQUEST_NOT_SENT.contains(String.valueOf(cause.getMessage()))) {
            return false;
        }
        StackTraceElement[] at = cause.getStackTrace();
        return at.length > 0 && at[0].getClassName().startsWith("sun.net.www.protocol.http.HttpURLConnection");
    }

    private static final java.util.Set<String> REQUEST_NOT_SENT =
            java.util.Set.of("Error writing to server", "Error writing request body to server");

    private static String what(SdkException e) {
        if (e instanceof AwsServiceException answered
                && answered.awsErrorDetails() != null
                && answered.awsErrorDetails().errorCode() != null) {
            return "HTTP " + answered.statusCode() + " "
                    + answered.awsErrorDetails().errorCode();
        }
        if (e instanceof SdkServiceException answered) {
            return "HTTP " + answered.statusCode();
        }
        Optional<CutAnswerException> cut = CutAnswerException.in(e);
        if (cut.isPresent()) {
            return cut.get().getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return String.valueOf(root);
    }

    /**
     * The store answers again: HEAD of the bucket gets any answer but an outage. A 403 (a key allowed
     * only a prefix may not head the bucket) or a 404 is an answer; the request that waited tells the rest.
     */
    private record BucketHead(S3Client client, String bucket, Supplier<String> address, Supplier<String> setting)
            implements EndpointGate.Endpoint {

        @Override
        public String name() {
            String at = address.get();
            return "object store s3://" + bucket + (at.isEmpty() ? "" : " at " + at);
        }

        @Override
        public boolean healthy() {
            try {
                client.headBucket(b -> b.bucket(bucket).overrideConfiguration(o -> o.apiCallTimeout(PROBE_DEADLINE)));
                return true;
            } catch (SdkServiceException e) {
                return !outage(e);
            } catch (SdkException e) {
                return false;
            }
        }

        @Override
        public Exception unavailable(String message) {
            String from = setting.get();
            return new StoreUnavailableException(message + (from.isEmpty() ? "" : "; the endpoint comes from " + from));
        }
    }
}
