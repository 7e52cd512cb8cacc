package dev.baton.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CLI's HTTP/1.1 client: one request per connection, plain http to the agent's API. Not
 * java.net.http: its client costs ~0.5 s per run (TLS setup and a selector thread even for plain
 * http), which alone would make {@code baton status} slower than {@code supervisorctl status}.
 * Reads bodies framed by Content-Length, chunked, or the end of the connection.
 */
final class HttpLite {
    private static final int CONNECT_TIMEOUT_MILLIS = 3000;
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 100;

    private HttpLite() {
    }

    /** A response; its body is read from the open connection, closed with the response. */
    record Response(int status, Map<String, String> headers, InputStream body, Socket socket) implements Closeable {
        String text() throws IOException {
            try (this) {
                return new String(body.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * Sends a request without a body.
     *
     * @param readTimeoutMillis 0: wait as long as it takes (actions, streams)
     */
    static Response send(String method, URI uri, Map<String, String> headers, int readTimeoutMillis) throws IOException {
        String host = uri.getHost();
        int port = uri.getPort() > 0 ? uri.getPort() : 80;
        Socket socket = new Socket();
        try {
            String address = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            socket.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MILLIS);
            socket.setSoTimeout(readTimeoutMillis);
            StringBuilder req = new StringBuilder(method).append(' ').append(uri.getRawPath())
                    .append(uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "").append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append(':').append(port).append("\r\n")
                    .append("Connection: close\r\n");
            if (!method.equals("GET")) {
                req.append("Content-Length: 0\r\n");
            }
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return read(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static Response read(Socket socket) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream());
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
        return new Response(status, headers, body, socket);
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
