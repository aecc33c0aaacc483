package io.palimpsest.worker.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An HTTP proxy in front of an S3 endpoint that can be switched, for a while, to behave like an
 * object store that is down: resetting every connection before it reads a request (the client gets no answer at all,
 * as from a port nothing listens on; the proxy keeps its port, so that no server another test starts meanwhile is
 * given it and answers for the store), reading each request and closing its connection cleanly without an answer
 * (a load balancer whose backend restarts), answering every
 * request 503 SlowDown, or 403 AccessDenied (a store that is up but refuses the credentials); or
 * answer one path 403 with a chosen code (an archived object's InvalidObjectState). It
 * can also lose the answer to one request after the store has carried it out, as a connection
 * dropped at the wrong moment does. One request per connection ({@code Connection: close}
 * upstream), as in {@link CuttingProxy}.
 */
public final class OutageProxy implements AutoCloseable {

    enum Mode {
        PASS,
        REFUSE,
        /**
         * Reads each request, then closes the connection cleanly (FIN, no reset) without a byte of answer: a store,
         * or a load balancer in front of it, that takes connections while its backend restarts.
         */
        CLOSE_UNANSWERED,
        /**
         * Takes a request's head and the first 64 KiB of its body, then resets the connection while the client is
         * still sending: a store going down in the middle of an upload.
         */
        RESET_MID_BODY,
        /**
         * Passes each request on, then sends the store's answer with a Content-Length and only half of its body,
         * and closes cleanly: an answer cut short, as a proxy restarting mid-answer leaves it.
         */
        CUT_ANSWERS,
        /** As {@link #CUT_ANSWERS}, the answer sent in chunks ({@code Transfer-Encoding: chunked}) and cut mid-chunk. */
        CUT_CHUNKED_ANSWERS,
        SLOW_DOWN,
        ACCESS_DENIED,
        /** 400 ExpiredToken: a session token that ran out (refreshed for the next attempt). */
        EXPIRED_TOKEN,
        /** 409 ConditionalRequestConflict (only for the repeat {@link #loseNextAnswerThen} names). */
        CONFLICT,
        /** 404 NoSuchUpload (only for the repeat {@link #loseNextAnswerThen} names). */
        NO_SUCH_UPLOAD
    }

    private final int upstreamPort;
    private final int port;
    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.PASS);
    private final AtomicInteger refusals = new AtomicInteger();
    private final AtomicInteger cuts = new AtomicInteger();
    private final AtomicReference<LostAnswer> lose = new AtomicReference<>();
    private final ServerSocket server;

    /** "METHOD /path/prefix" to the error code the 403 of every request under it carries. */
    private final java.util.Map<String, String> deniedUnder = new java.util.concurrent.ConcurrentHashMap<>();

    /** "METHOD /path" of the requests answered 409 ConditionalRequestConflict. */
    private final java.util.Set<String> conflicting = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** "METHOD /path" to the error code its 403 carries. */
    private final java.util.Map<String, String> deniedOnly = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param carriedOut whether the store carries the request out (its answer is lost) or never sees it */
    private record LostAnswer(
            String method,
            String pathSuffix,
            String queryContains,
            Duration thenRefuse,
            Mode thenAnswer,
            boolean carriedOut) {

        boolean matches(String method, String path, String query) {
            return method().equals(method)
                    && path.endsWith(pathSuffix())
                    && (queryContains() == null || query.contains(queryContains()));
        }
    }

    /** "METHOD /path" (without the query) of every request the proxy took, answered or not, in order. */
    private final java.util.List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** "METHOD /path" (without the query) to the bytes of the store's answers to it passed on, heads included. */
    private final java.util.Map<String, java.util.concurrent.atomic.LongAdder> answered =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The repeat of a request whose answer was lost, and the error it is answered with, unforwarded. */
    private record Repeat(String request, Mode answer) {}

    private final AtomicReference<Repeat> repeat = new AtomicReference<>();

    public OutageProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = listen();
        this.port = server.getLocalPort();
        accept(server);
    }

    public int port() {
        return port;
    }

    /**
     * Where clients reach the proxy: its IPv4 loopback address, where it listens, never {@code localhost}, which can
     * also resolve to {@code ::1}, where another test's server may listen on the same port number.
     */
    public String endpoint() {
        return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port;
    }

    /**
     * Requests answered 503 or 403 so far (connections reset in {@link Mode#REFUSE} or closed in
     * {@link Mode#CLOSE_UNANSWERED} are not counted).
     */
    int refusals() {
        return refusals.get();
    }

    /** Answers cut short so far (in the CUT modes; an answer without a body, or to a HEAD, is passed whole). */
    int cuts() {
        return cuts.get();
    }

    /** Behaves as {@code down} for {@code duration}, then passes requests again. */
    void down(Mode down, Duration duration) {
        mode.set(down);
        CompletableFuture.delayedExecutor(duration.toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> mode.set(Mode.PASS));
    }

    /** Passes requests again, now. */
    void up() {
        mode.set(Mode.PASS);
    }

    /**
     * Carries out the next {@code method} request whose path ends with {@code pathSuffix}, then drops
     * the connection instead of answering, and refuses connections for {@code thenRefuse}.
     */
    void loseNextAnswer(String method, String pathSuffix, Duration thenRefuse) {
        lose.set(new LostAnswer(method, pathSuffix, null, thenRefuse, null, true));
    }

    /**
     * As {@link #loseNextAnswer}, for a request whose query contains {@code queryContains} (such as
     * {@code "uploadId="}: CompleteMultipartUpload, not the CreateMultipartUpload on the same path).
     */
    void loseNextAnswer(String method, String pathSuffix, String queryContains, Duration thenRefuse) {
        lose.set(new LostAnswer(method, pathSuffix, queryContains, thenRefuse, null, true));
    }

    /**
     * Carries out the next {@code method} request whose path ends with {@code pathSuffix} (and whose
     * query contains {@code queryContains}, unless null) and drops its answer; the repeat of that
     * request is answered {@code thenAnswer} without reaching the store: {@link Mode#CONFLICT} (a store
     * that still has the first write in flight), {@link Mode#NO_SUCH_UPLOAD} (AWS's answer to a
     * second CompleteMultipartUpload of an upload the first completed).
     */
    void loseNextAnswerThen(String method, String pathSuffix, String queryContains, Mode thenAnswer) {
        lose.set(new LostAnswer(method, pathSuffix, queryContains, Duration.ZERO, thenAnswer, true));
    }

    /**
     * As {@link #loseNextAnswerThen}, but the request never reaches the store (the connection drops
     * on its way there): the store does nothing, and the repeat is answered {@code thenAnswer}, such
     * as {@link Mode#NO_SUCH_UPLOAD} for an upload aborted or expired meanwhile.
     */
    void dropNextThen(String method, String pathSuffix, String queryContains, Mode thenAnswer) {
        lose.set(new LostAnswer(method, pathSuffix, queryContains, Duration.ZERO, thenAnswer, false));
    }

    /** How many {@code method} requests for exactly {@code path} (without its query) the proxy took. */
    long requests(String method, String path) {
        return requests.stream().filter((method + " " + path)::equals).count();
    }

    /** Every request the proxy took for exactly {@code path} (without its query), as "METHOD /path", in order. */
    java.util.List<String> requestsFor(String path) {
        return requests.stream().filter(r -> r.endsWith(" " + path)).toList();
    }

    /**
     * The bytes of the store's answers (heads and bodies) to {@code method} requests for exactly {@code path} (without
     * its query) the proxy passed on whole: what reading an object fetched from the store.
     */
    public long bytesAnswered(String method, String path) {
        java.util.concurrent.atomic.LongAdder bytes = answered.get(method + " " + path);
        return bytes == null ? 0 : bytes.sum();
    }

    /**
     * Answers every {@code method} request for exactly {@code path} (without its query) 403
     * AccessDenied, as a policy that allows the requests around it but not that one.
     */
    void denyOnly(String method, String path) {
        forbidOnly(method, path, "AccessDenied");
    }

    /**
     * Answers every {@code method} request for exactly {@code path} (without its query) 403 with
     * the error code {@code code}, such as InvalidObjectState for an object a lifecycle rule archived.
     */
    public void forbidOnly(String method, String path, String code) {
        deniedOnly.put(method + " " + path, code);
    }

    /**
     * Answers every {@code method} request for a path that starts with {@code pathPrefix} (without its query) 403 with
     * the error code {@code code}, as a bucket policy that denies that action under one prefix.
     */
    public void forbidUnder(String method, String pathPrefix, String code) {
        deniedUnder.put(method + " " + pathPrefix, code);
    }

    /**
     * Answers every {@code method} request for exactly {@code path} (without its query) 409
     * ConditionalRequestConflict without reaching the store, as a store with a conflicting
     * conditional write on the key in flight for a while.
     */
    void conflictOnly(String method, String path) {
        conflicting.add(method + " " + path);
    }

    private static ServerSocket listen() throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        return socket;
    }

    private void accept(ServerSocket listening) {
        Thread acceptor = new Thread(
                () -> {
                    while (!listening.isClosed()) {
                        try {
                            Socket client = listening.accept();
                            if (mode.get() == Mode.REFUSE) {
                                reset(client);
                                continue;
                            }
                            Thread handler = new Thread(() -> relay(client), "outage-proxy-conn");
                            handler.setDaemon(true);
                            handler.start();
                        } catch (IOException closedNow) {
                            return;
                        }
                    }
                },
                "outage-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Drops a connection with a reset before reading anything: the client gets no answer at all. */
    private static void reset(Socket client) {
        try (client) {
            client.setSoLinger(true, 0);
        } catch (IOException alreadyGone) {
            // the client gave up first: it got no answer either way
        }
    }

    private void relay(Socket client) {
        try (client) {
            InputStream fromClient = client.getInputStream();
            OutputStream toClient = client.getOutputStream();
            String head = CuttingProxy.readHead(fromClient);
            if (head == null) {
                return;
            }
            String[] lines = head.split("\r\n");
            String method = lines[0].split(" ")[0];
            String target = lines[0].split(" ")[1];
            String path = target.split("\\?")[0];
            String query = target.contains("?") ? target.substring(target.indexOf('?') + 1) : "";
            long contentLength = 0;
            boolean expectsContinue = false;
            StringBuilder forwarded = new StringBuilder(lines[0]).append("\r\n");
            for (int i = 1; i < lines.length; i++) {
                String name =
                        lines[i].substring(0, lines[i].indexOf(':')).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(lines[i].indexOf(':') + 1).trim();
                if (name.equals("content-length")) {
                    contentLength = Long.parseLong(value);
                }
                if (name.equals("expect")) {
                    expectsContinue = value.equalsIgnoreCase("100-continue");
                } else if (!name.equals("connection")) {
                    forwarded.append(lines[i]).append("\r\n");
                }
            }
            forwarded.append("Connection: close\r\n\r\n");
            requests.add(method + " " + path);
            if (mode.get() == Mode.RESET_MID_BODY && contentLength > 0) {
                if (expectsContinue) {
                    toClient.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    toClient.flush();
                }
                fromClient.readNBytes((int) Math.min(contentLength, 64 * 1024));
                client.setSoLinger(true, 0); // the rest of the body meets a reset
                return;
            }
            if (mode.get() == Mode.CLOSE_UNANSWERED) {
                if (!expectsContinue) {
                    fromClient.readNBytes((int) contentLength);
                }
                client.shutdownOutput(); // FIN: the client reads the end of the stream, not a reset
                fromClient.readAllBytes(); // until the client closes its side too: nothing unread is left to reset
                return;
            }
            String forbidden = deniedOnly.get(method + " " + path);
            if (forbidden == null) {
                forbidden = deniedUnder.entrySet().stream()
                        .filter(e -> (method + " " + path).startsWith(e.getKey()))
                        .map(java.util.Map.Entry::getValue)
                        .findFirst()
                        .orElse(null);
            }
            Mode now = forbidden != null
                    ? Mode.ACCESS_DENIED
                    : conflicting.contains(method + " " + path) ? Mode.CONFLICT : mode.get();
            Repeat repeated = repeat.get();
            if (repeated != null
                    && repeated.request().equals(method + " " + path)
                    && repeat.compareAndSet(repeated, null)) {
                now = repeated.answer();
            }
            if (now == Mode.CONFLICT
                    || now == Mode.NO_SUCH_UPLOAD
                    || now == Mode.SLOW_DOWN
                    || now == Mode.ACCESS_DENIED
                    || now == Mode.EXPIRED_TOKEN) {
                if (!expectsContinue) {
                    fromClient.readNBytes((int) contentLength); // a server reads the request before it answers
                }
                refusals.incrementAndGet();
                toClient.write(errorResponse(now, forbidden, method).getBytes(StandardCharsets.UTF_8));
                toClient.flush();
                return;
            }
            if (expectsContinue) {
                toClient.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                toClient.flush();
            }
            byte[] body = fromClient.readNBytes((int) contentLength);
            LostAnswer dropped = lose.get();
            if (dropped != null
                    && !dropped.carriedOut()
                    && dropped.matches(method, path, query)
                    && lose.compareAndSet(dropped, null)) {
                repeat.set(new Repeat(method + " " + path, dropped.thenAnswer()));
                client.setSoLinger(true, 0); // the store never heard of it
                return;
            }
            byte[] response;
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
                OutputStream toUpstream = upstream.getOutputStream();
                toUpstream.write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
                toUpstream.write(body);
                toUpstream.flush();
                response = upstream.getInputStream().readAllBytes();
            }
            LostAnswer lost = lose.get();
            if (lost != null
                    && lost.carriedOut()
                    && lost.matches(method, path, query)
                    && lose.compareAndSet(lost, null)) {
                if (lost.thenAnswer() != null) {
                    repeat.set(new Repeat(method + " " + path, lost.thenAnswer()));
                }
                // the store did it; the client never hears so
                if (!lost.thenRefuse().isZero()) {
                    down(Mode.REFUSE, lost.thenRefuse());
                }
                client.setSoLinger(true, 0);
                return;
            }
            Mode cutting = mode.get();
            if (cutting == Mode.CUT_ANSWERS || cutting == Mode.CUT_CHUNKED_ANSWERS) {
                byte[] framed = cutting == Mode.CUT_ANSWERS ? withContentLength(response) : chunked(response);
                int bodyStart = bodyStart(framed);
                int cutAt = bodyStart + (framed.length - bodyStart) / 2;
                if (!method.equals("HEAD") && cutAt > bodyStart) {
                    cuts.incrementAndGet();
                    toClient.write(framed, 0, cutAt);
                    toClient.flush();
                    client.shutdownOutput(); // FIN: the answer just ends
                    fromClient.readAllBytes();
                    return;
                }
            }
            answered.computeIfAbsent(method + " " + path, k -> new java.util.concurrent.atomic.LongAdder())
                    .add(response.length);
            toClient.write(response);
            toClient.flush();
        } catch (SocketException clientWentAway) {
            // the client aborted a stream it no longer needed
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code response} with its body whole and framed by a Content-Length (decoded from chunks if it came in them). */
    private static byte[] withContentLength(byte[] response) {
        Answer answer = Answer.of(response);
        return answer.framed("Content-Length: " + answer.body().length, answer.body());
    }

    /** {@code response} with its body sent as chunks of at most 64 bytes. */
    private static byte[] chunked(byte[] response) {
        Answer answer = Answer.of(response);
        java.io.ByteArrayOutputStream chunks = new java.io.ByteArrayOutputStream();
        byte[] body = answer.body();
        for (int at = 0; at < body.length; at += 64) {
            int length = Math.min(64, body.length - at);
            chunks.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            chunks.write(body, at, length);
            chunks.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        chunks.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return answer.framed("Transfer-Encoding: chunked", chunks.toByteArray());
    }

    /** An upstream answer taken apart: its status line and headers but those that frame the body, and the body. */
    private record Answer(String head, byte[] body) {

        static Answer of(byte[] response) {
            int bodyStart = bodyStart(response);
            String[] lines = new String(response, 0, bodyStart, StandardCharsets.ISO_8859_1)
                    .strip()
                    .split("\r\n");
            StringBuilder head = new StringBuilder(lines[0]).append("\r\n");
            boolean chunks = false;
            for (int i = 1; i < lines.length; i++) {
                String name =
                        lines[i].substring(0, lines[i].indexOf(':')).trim().toLowerCase(Locale.ROOT);
                if (name.equals("transfer-encoding")) {
                    chunks = lines[i].toLowerCase(Locale.ROOT).contains("chunked");
                } else if (!name.equals("content-length")) {
                    head.append(lines[i]).append("\r\n");
                }
            }
            byte[] body = java.util.Arrays.copyOfRange(response, bodyStart, response.length);
            return new Answer(head.toString(), chunks ? unchunked(body) : body);
        }

        byte[] framed(String framing, byte[] content) {
            byte[] head = (this.head + framing + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
            byte[] whole = java.util.Arrays.copyOf(head, head.length + content.length);
            System.arraycopy(content, 0, whole, head.length, content.length);
            return whole;
        }

        private static byte[] unchunked(byte[] chunks) {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            int at = 0;
            while (true) {
                int lineEnd = at;
                while (chunks[lineEnd] != '\r') {
                    lineEnd++;
                }
                String size = new String(chunks, at, lineEnd - at, StandardCharsets.ISO_8859_1);
                int length = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (length == 0) {
                    return body.toByteArray();
                }
                body.write(chunks, lineEnd + 2, length);
                at = lineEnd + 2 + length + 2;
            }
        }
    }

    /** Where an answer's body begins: after its head's blank line. */
    private static int bodyStart(byte[] response) {
        for (int i = 0; i + 4 <= response.length; i++) {
            if (response[i] == '\r' && response[i + 1] == '\n' && response[i + 2] == '\r' && response[i + 3] == '\n') {
                return i + 4;
            }
        }
        return response.length;
    }

    private static String errorResponse(Mode mode, String forbiddenCode, String method) {
        String status;
        String code;
        String message;
        switch (mode) {
            case SLOW_DOWN -> {
                status = "503 Slow Down";
                code = "SlowDown";
                message = "Please reduce your request rate.";
            }
            case CONFLICT -> {
                status = "409 Conflict";
                code = "ConditionalRequestConflict";
                message = "A conflicting conditional operation is currently in progress against this resource.";
            }
            case NO_SUCH_UPLOAD -> {
                status = "404 Not Found";
                code = "NoSuchUpload";
                message = "The specified multipart upload does not exist.";
            }
            case EXPIRED_TOKEN -> {
                status = "400 Bad Request";
                code = "ExpiredToken";
                message = "The provided token has expired.";
            }
            default -> {
                status = "403 Forbidden";
                code = forbiddenCode == null ? "AccessDenied" : forbiddenCode;
                message = code.equals("InvalidObjectState")
                        ? "The operation is not valid for the object's storage class"
                        : "Access Denied";
            }
        }
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                + "</Message></Error>";
        boolean withBody = !method.equals("HEAD");
        return "HTTP/1.1 " + status + "\r\nContent-Type: application/xml\r\nContent-Length: "
                + (withBody ? body.getBytes(StandardCharsets.UTF_8).length : 0) + "\r\nConnection: close\r\n\r\n"
                + (withBody ? body : "");
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
