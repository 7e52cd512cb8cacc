package dev.baton.releases;

import dev.baton.handover.Version;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;

/**
 * One poll: GET the source, read at most {@link #MAX_BODY} bytes within the source's timeout, and
 * find the newest version in it. baton runs as root and the document comes from the network, so
 * every bound is explicit: the body is counted as it arrives and the download is cancelled at the
 * limit (a server that sends forever costs 16 MiB, not the heap), a gzip index is inflated as a
 * stream and cut at {@link #MAX_INFLATED} (a zip bomb costs a bounded read), and the deadline covers
 * connect, headers and body (a server that trickles one byte a second is cut off at the timeout).
 */
final class ReleaseFetcher {
    /** Largest body read: a vendor's Packages index or a page of GitHub releases is well below 1 MiB. */
    static final int MAX_BODY = 16 * 1024 * 1024;
    /** Largest inflated apt index read (Debian's whole main/binary-amd64 is ~50 MB: not a vendor repository). */
    static final long MAX_INFLATED = 128L * 1024 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Longer ETags are not kept (a real one is a quoted hash: under 100 characters). */
    private static final int MAX_ETAG = 256;

    private final HttpClient client;
    private final String userAgent;
    private final long maxInflated;

    ReleaseFetcher(String userAgent) {
        this(userAgent, MAX_INFLATED);
    }

    /** With another inflate bound: tests of the bound need not inflate 128 MiB. */
    ReleaseFetcher(String userAgent, long maxInflated) {
        this.userAgent = userAgent;
        this.maxInflated = maxInflated;
        this.client = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL) // never from https down to http
                .build();
    }

    /**
     * What one poll found.
     *
     * @param newest    the newest published version, null when the source lists none (or unchanged)
     * @param etag      the answer's ETag, to send back next time; null when it had none
     * @param unchanged the source answered 304 Not Modified to the previous ETag: {@code newest} is not read
     */
    record Answer(Version newest, String etag, boolean unchanged) {
    }

    /** The newest published version, or null when the source lists none. */
    Version newest(ReleaseSource source) throws FeedException {
        return poll(source, null).newest();
    }

    /**
     * One poll, conditional when {@code etag} is known: GitHub does not count a 304 against its
     * rate limit of 60 unauthenticated calls an hour, and an apt mirror sends nothing again.
     */
    Answer poll(ReleaseSource source, String etag) throws FeedException {
        HttpResponse<byte[]> response = get(source, etag);
        String newTag = response.headers().firstValue("ETag").filter(t -> t.length() <= MAX_ETAG).orElse(null);
        if (response.statusCode() == 304) {
            return new Answer(null, etag, true);
        }
        return new Answer(parse(source, response.body()), newTag, false);
    }

    private Version parse(ReleaseSource source, byte[] body) throws FeedException {
        if (source.format() == ReleaseSource.Format.JSON_FEED) {
            return JsonFeed.newest(body, source);
        }
        try (InputStream in = isGzip(body) ? bounded(new GZIPInputStream(new ByteArrayInputStream(body), 64 * 1024))
                : new ByteArrayInputStream(body)) {
            return AptIndex.newest(in, source);
        } catch (IOException e) {
            throw new FeedException("unreadable apt index: " + e.getMessage());
        }
    }

    private HttpResponse<byte[]> get(ReleaseSource source, String etag) throws FeedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(source.url())
                .timeout(source.timeout())
                .header("User-Agent", userAgent)
                .header("Accept", source.format() == ReleaseSource.Format.JSON_FEED ? "application/json" : "*/*");
        if (etag != null) {
            builder.header("If-None-Match", etag);
        }
        HttpRequest request = builder.GET().build();
        CompletableFuture<HttpResponse<byte[]>> call = client.sendAsync(request, info -> new BoundedBody(info.statusCode()));
        try {
            HttpResponse<byte[]> response = call.get(source.timeout().toNanos(), TimeUnit.NANOSECONDS);
            if (response.statusCode() != 200 && !(response.statusCode() == 304 && etag != null)) {
                throw new FeedException("HTTP " + response.statusCode() + " from " + source.url());
            }
            return response;
        } catch (TimeoutException e) {
            call.cancel(true); // aborts the exchange (JDK 16+), the connection is not reused
            throw new FeedException("no complete answer within " + source.timeout().toSeconds() + "s from " + source.url());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof IOException && e.getCause().getCause() instanceof FeedException f
                    ? f : e.getCause();
            throw cause instanceof FeedException f ? f
                    : new FeedException("cannot fetch " + source.url() + ": " + describe(cause));
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new FeedException("interrupted");
        } catch (CancellationException e) {
            throw new FeedException("cancelled");
        }
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }

    private static boolean isGzip(byte[] body) {
        return body.length >= 2 && (body[0] & 0xff) == 0x1f && (body[1] & 0xff) == 0x8b;
    }

    private InputStream bounded(InputStream in) {
        String tooBig = "the index inflates to more than " + (maxInflated >> 20) + " MiB";
        return new FilterInputStream(in) {
            private long left = maxInflated;

            @Override
            public int read() throws IOException {
                if (left-- <= 0) {
                    throw new IOException(tooBig);
                }
                return super.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    throw new IOException(tooBig);
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                left -= Math.max(n, 0);
                return n;
            }
        };
    }

    /**
     * Collects the body up to {@link #MAX_BODY} bytes and cancels the download beyond it. A non-200
     * answer's body is not read at all.
     */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final int status;
        private Flow.Subscription subscription;
        private byte[] buf = new byte[8192];
        private int size;

        BoundedBody(int status) {
            this.status = status;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (status != 200) {
                s.cancel();
                result.complete(new byte[0]);
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                if (result.isDone()) {
                    return;
                }
                if ((long) size + b.remaining() > MAX_BODY) {
                    subscription.cancel();
                    result.completeExceptionally(new FeedException("the answer is larger than " + (MAX_BODY >> 20)
                            + " MiB: not a release index"));
                    return;
                }
                if (size + b.remaining() > buf.length) {
                    buf = Arrays.copyOf(buf, Math.max(size + b.remaining(), Math.min(MAX_BODY, buf.length * 2)));
                }
                int n = b.remaining();
                b.get(buf, size, n);
                size += n;
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(Arrays.copyOf(buf, size));
        }
    }
}
