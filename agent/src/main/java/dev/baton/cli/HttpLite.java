package dev.baton.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CLI's HTTP/1.1 client, over TCP or the agent's Unix socket. Not java.net.http: its client
 * costs ~0.5 s per run (TLS setup and a selector thread even for plain http), which alone would
 * make {@code baton status} slower than {@code supervisorctl status}. Reads bodies framed by
 * Content-Length, chunked, or the end of the connection. A connection carries one request, or
 * several in turn when asked (the token challenge and then the request, over one TCP connection).
 */
final class HttpLite {
    private static final int CONNECT_TIMEOUT_MILLIS = 3000;
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 100;

    private HttpLite() {
    }

    /** A response; its body is read from the open connection, closed with the response. */
    record Response(int status, Map<String, String> headers, InputStream body, Closeable connection) implements Closeable {
        String text() throws IOException {
            try (this) {
                return bodyText();
            }
        }

        /** The whole body, leaving the connection open for another request. */
        String bodyText() throws IOException {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            connection.close();
        }
    }

    /** An open connection to the agent: TCP ({@link #tcp}) or its Unix socket ({@link #unix}). */
    abstract static class Connection implements Closeable {
        private final String host;
        private InputStream in;

        Connection(String host) {
            this.host = host;
        }

        /** Opens a TCP connection to {@code uri}'s host and port. */
        static Tcp tcp(URI uri) throws IOException {
            String host = uri.getHost();
            int port = uri.getPort() > 0 ? uri.getPort() : 80;
            Socket socket = new Socket();
            try {
                String address = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
                socket.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MILLIS);
                return new Tcp(socket, host + ":" + port);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        /** Opens the agent's Unix socket. */
        static Unix unix(Path socket) throws IOException {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return new Unix(ch);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }

        abstract InputStream rawInput() throws IOException;

        abstract OutputStream output() throws IOException;

        /** 0: wait as long as it takes. */
        abstract void readTimeout(int millis) throws IOException;

        /**
         * Sends a request without a body and reads the response head.
         *
         * @param keepOpen ask the server to keep the connection for another request
         */
        Response send(String method, String target, Map<String, String> headers, int readTimeoutMillis,
                      boolean keepOpen) throws IOException {
            readTimeout(readTimeoutMillis);
            StringBuilder req = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append("\r\n")
                    .append(keepOpen ? "" : "Connection: close\r\n");
            if (!method.equals("GET")) {
                req.append("Content-Length: 0\r\n");
            }
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            OutputStream out = output();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (in == null) {
                in = new BufferedInputStream(rawInput());
            }
            return read(in, this);
        }
    }

    /** A TCP connection; knows both its ends (the agent's proof covers them). */
    static final class Tcp extends Connection {
        private final Socket socket;

        private Tcp(Socket socket, String host) {
            super(host);
            this.socket = socket;
        }

        InetSocketAddress localAddress() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        InetSocketAddress remoteAddress() {
            return (InetSocketAddress) socket.getRemoteSocketAddress();
        }

        @Override
        InputStream rawInput() throws IOException {
            return socket.getInputStream();
        }

        @Override
        OutputStream output() throws IOException {
            return socket.getOutputStream();
        }

        @Override
        void readTimeout(int millis) throws IOException {
            socket.setSoTimeout(millis);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * A Unix socket connection. A blocking channel has no read timeout of its own: a timer closes
     * it when an answer takes too long, and the read then fails as a timeout.
     */
    static final class Unix extends Connection {
        private final SocketChannel channel;
        /** Closes channels whose read timed out, on the monotonic clock (a scheduled executor counts with nanoTime). */
        private static final ScheduledExecutorService TIMEOUTS = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "baton-timeout");
            t.setDaemon(true);
            return t;
        });
        private ScheduledFuture<?> timer;

        private Unix(SocketChannel channel) {
            super("localhost");
            this.channel = channel;
        }

        @Override
        InputStream rawInput() {
            InputStream raw = Channels.newInputStream(channel);
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    try {
                        return raw.read(b, off, len);
                    } catch (AsynchronousCloseException e) {
                        throw new SocketTimeoutException("no answer in time");
                    }
                }
            };
        }

        @Override
        OutputStream output() {
            return Channels.newOutputStream(channel);
        }

        @Override
        void readTimeout(int millis) {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            if (millis > 0) {
                timer = TIMEOUTS.schedule(() -> {
                    try {
                        channel.close();
                    } catch (IOException e) {
                        // closing to end a read: nothing else to do
                    }
                }, millis, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void close() throws IOException {
            readTimeout(0);
            channel.close();
        }
    }

    /**
     * Sends one request without a body on a new TCP connection.
     *
     * @param readTimeoutMillis 0: wait as long as it takes (actions, streams)
     */
    static Response send(String method, URI uri, Map<String, String> headers, int readTimeoutMillis) throws IOException {
        Tcp c = Connection.tcp(uri);
        try {
            return c.send(method, target(uri), headers, readTimeoutMillis, false);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The request target of {@code uri}: its path and query. */
    static String target(URI uri) {
        return uri.getRawPath() + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
    }

    private static Response read(InputStream in, Closeable connection) throws IOException {
        String statusLine = line(in);
        if (statusLine == null || !statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new HashMap<>();
        for (int i = 0; i < MAX_HEADERS; i++) {
            String h = line(in);
            if (h == null || h.isEmpty()) {
                break;
            }
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
        }
        InputStream body;
        if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            body = new Chunked(in);
        } else if (headers.containsKey("content-length")) {
            body = new Limited(in, Long.parseLong(headers.get("content-length")));
        } else {
            body = in;
        }
        return new Response(status, headers, body, connection);
    }

    /** A line without its CRLF; null at the end of the stream. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (buf.size() >= MAX_LINE) {
                throw new IOException("response line longer than " + MAX_LINE + " bytes");
            }
            buf.write(b);
        }
        if (b == -1 && buf.size() == 0) {
            return null;
        }
        String s = buf.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** A response body: reads go through {@link #read(byte[], int, int)}. */
    private abstract static class BodyStream extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }
    }

    /** The first {@code remaining} bytes of a stream. */
    private static final class Limited extends BodyStream {
        private final InputStream in;
        private long remaining;

        Limited(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }

    /** A chunked body, decoded; trailers are skipped. */
    private static final class Chunked extends BodyStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0 && !nextChunk()) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n == -1) {
                throw new IOException("connection closed inside a chunk");
            }
            left -= n;
            if (left == 0) {
                line(in); // the CRLF after the chunk
            }
            return n;
        }

        private boolean nextChunk() throws IOException {
            if (done) {
                return false;
            }
            String size = line(in);
            if (size == null) {
                throw new IOException("connection closed before the last chunk");
            }
            int semi = size.indexOf(';');
            left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (left == 0) {
                done = true;
                for (String t = line(in); t != null && !t.isEmpty(); t = line(in)) {
                    // trailers: not used by the API
                }
                return false;
            }
            return true;
        }
    }
}
