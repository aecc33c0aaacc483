package io.palimpsest.worker.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of an S3 endpoint that cuts object bodies the way a server or load
 * balancer closes a slow or idle reader: for the first {@code cuts} GETs of one key it sends the
 * real status line and headers (Content-Length included) and then closes the connection after
 * {@code bytesBeforeCut} bytes of the body. Every other request passes through. One request per
 * connection ({@code Connection: close} upstream), which keeps the relay a plain copy.
 */
final class CuttingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int upstreamPort;
    private final String cutPathSuffix;
    private final long bytesBeforeCut;
    private final AtomicInteger cutsLeft;
    private final AtomicInteger cutsMade = new AtomicInteger();
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    /** @param cutPathSuffix the end of the request path to cut, e.g. {@code "/corpus/cut/a.jsonl"} */
    CuttingProxy(int upstreamPort, String cutPathSuffix, long bytesBeforeCut, int cuts) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.upstreamPort = upstreamPort;
        this.cutPathSuffix = cutPathSuffix;
        this.bytesBeforeCut = bytesBeforeCut;
        this.cutsLeft = new AtomicInteger(cuts);
        this.acceptor = new Thread(this::acceptLoop, "cutting-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Bodies cut so far. */
    int cutsMade() {
        return cutsMade.get();
    }

    /** The Range header of every GET of the cut key, in order ("" when there was none). */
    List<String> ranges() {
        return ranges;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread handler = new Thread(() -> relay(client), "cutting-proxy-conn");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void relay(Socket client) {
        try (client;
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            InputStream fromClient = client.getInputStream();
            String head = readHead(fromClient);
            if (head == null) {
                return;
            }
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            String method = requestLine[0];
            String path = requestLine[1];
            long contentLength = 0;
            String range = "";
            StringBuilder forwarded = new StringBuilder(lines[0]).append("\r\n");
            for (int i = 1; i < lines.length; i++) {
                String name =
                        lines[i].substring(0, lines[i].indexOf(':')).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(lines[i].indexOf(':') + 1).trim();
                if (name.equals("content-length")) {
                    contentLength = Long.parseLong(value);
                }
                if (name.equals("range")) {
                    range = value;
                }
                if (!name.equals("connection")) {
                    forwarded.append(lines[i]).append("\r\n");
                }
            }
            forwarded.append("Connection: close\r\n\r\n");
            OutputStream toUpstream = upstream.getOutputStream();
            toUpstream.write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
            toUpstream.write(fromClient.readNBytes((int) contentLength));
            toUpstream.flush();
            byte[] response = upstream.getInputStream().readAllBytes();

            boolean cutThis =
                    method.equals("GET") && path.split("\\?")[0].endsWith(cutPathSuffix) && !path.contains("list-type");
            if (cutThis) {
                ranges.add(range);
            }
            if (cutThis && cutsLeft.getAndDecrement() > 0) {
                cutsMade.incrementAndGet();
                int bodyStart = indexOf(response, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)) + 4;
                int end = (int) Math.min(response.length, bodyStart + bytesBeforeCut);
                client.getOutputStream().write(response, 0, end);
                client.getOutputStream().flush();
                return; // closing here: the body ends short of its Content-Length
            }
            client.getOutputStream().write(response);
            client.getOutputStream().flush();
        } catch (SocketException clientWentAway) {
            // the client aborted a stream it no longer needed
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The request or response head up to the blank line (without it), or null at the end of the stream. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                String text = head.toString(StandardCharsets.ISO_8859_1);
                return text.substring(0, text.length() - 4);
            }
        }
        return null;
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("no header end in the upstream response");
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
