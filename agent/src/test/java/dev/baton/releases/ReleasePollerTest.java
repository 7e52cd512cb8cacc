package dev.baton.releases;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.handover.Version;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The poller against a real HTTP server: a real-looking apt index and GitHub feed, then what goes wrong. */
class ReleasePollerTest {
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration AWAIT = Duration.ofSeconds(20);

    /** Shaped like repo.chainflip.io's Packages: several engine generations, a node, a pre-release. */
    static final String PACKAGES = """
            Package: chainflip-node
            Version: 1.4.2-1
            Architecture: amd64
            Maintainer: Chainflip Labs GmbH <dev@chainflip.io>
            Installed-Size: 91230
            Filename: pool/main/c/chainflip-node/chainflip-node_1.4.2-1_amd64.deb
            Size: 25512340
            SHA256: 6d1bb4bd1f1d3cf6b5a2a1b3d0a3f7e1e7a4c6b2b8e2e0d1a4f5e6c7d8e9f0a1
            Description: Chainflip validator node
             The State Chain node of a Chainflip validator.

            Package: chainflip-engine1.1
            Version: 1.1.7-1
            Architecture: amd64
            Depends: libc6 (>= 2.34)
            Filename: pool/main/c/chainflip-engine1.1/chainflip-engine1.1_1.1.7-1_amd64.deb
            Description: Chainflip engine 1.1

            package: chainflip-engine1.3
            version: 1:1.3.1-2
            Architecture: amd64
            Description: Chainflip engine 1.3 (an epoch and lower-case field names, both legal)

            Package: chainflip-engine1.4
            Version: 1.4.0~rc1-1
            Architecture: amd64
            Description: Chainflip engine 1.4 release candidate

            Package: chainflip-engine-broken
            Version: not-a-version
            Description: skipped, not fatal
            """;

    static final String GITHUB = """
            [
              {"url": "https://api.github.com/repos/chainflip-io/chainflip-backend/releases/3", "tag_name": "v1.5.0",
               "name": "1.5.0", "draft": true, "prerelease": false, "published_at": null},
              {"tag_name": "1.4.2", "name": "Berghain", "draft": false, "prerelease": false,
               "published_at": "2024-06-11T10:00:00Z", "assets": [{"name": "chainflip-engine", "size": 42}]},
              {"tag_name": "1.5.0-rc.2", "draft": false, "prerelease": true},
              {"tag_name": "v1.3.3", "draft": false, "prerelease": false},
              {"tag_name": "nightly", "draft": false, "prerelease": false}
            ]
            """;

    static ReleaseSource apt(URI url, String pkg) {
        return new ReleaseSource(ReleaseSource.Format.APT_INDEX, url, pkg, HOUR, Duration.ofSeconds(10), false);
    }

    static ReleaseSource json(URI url, Duration timeout) {
        return new ReleaseSource(ReleaseSource.Format.JSON_FEED, url, null, HOUR, timeout, false);
    }

    @Test
    void readsTheNewestReleaseFromAnAptIndexPlainOrGzipped() throws Exception {
        try (FeedServer server = new FeedServer(FeedServer.ok(PACKAGES.getBytes(StandardCharsets.UTF_8)))) {
            ReleaseFetcher fetcher = new ReleaseFetcher("test");
            assertEquals(Version.parse("1.3.1"), fetcher.newest(apt(server.url("/Packages"), "chainflip-engine*")));
            assertEquals(Version.parse("1.1.7"), fetcher.newest(apt(server.url("/Packages"), "chainflip-engine1.1")));
            assertNull(fetcher.newest(apt(server.url("/Packages"), "chainflip-engine1.9")));
            ReleaseSource withRc = new ReleaseSource(ReleaseSource.Format.APT_INDEX, server.url("/Packages"),
                    "chainflip-engine*", HOUR, Duration.ofSeconds(10), true);
            assertEquals(Version.parse("1.4.0-rc1"), fetcher.newest(withRc));

            server.answer(FeedServer.ok(gzip(PACKAGES.getBytes(StandardCharsets.UTF_8))));
            assertEquals(Version.parse("1.3.1"), fetcher.newest(apt(server.url("/Packages.gz"), "chainflip-engine*")));
        }
    }

    @Test
    void readsAGithubReleasesFeedSkippingDraftsAndPreReleases() throws Exception {
        try (FeedServer server = new FeedServer(FeedServer.ok(GITHUB.getBytes(StandardCharsets.UTF_8)))) {
            ReleaseFetcher fetcher = new ReleaseFetcher("test");
            assertEquals(Version.parse("1.4.2"), fetcher.newest(json(server.url("/releases"), Duration.ofSeconds(10))));
            server.answer(FeedServer.ok("{\"releases\": [{\"version\": \"2.0.1\"}, {\"version\": \"2.0.0\"}]}"
                    .getBytes(StandardCharsets.UTF_8)));
            assertEquals(Version.parse("2.0.1"), fetcher.newest(json(server.url("/feed.json"), Duration.ofSeconds(10))));
        }
    }

    @Test
    void aKnownETagMakesThePollConditional() throws Exception {
        String[] etag = {"\"v1\""};
        byte[] body = GITHUB.getBytes(StandardCharsets.UTF_8);
        FeedServer.Answer github = exchange -> {
            if (etag[0].equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.sendResponseHeaders(304, -1); // GitHub does not count these against the rate limit
                return;
            }
            exchange.getResponseHeaders().set("ETag", etag[0]);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        };
        try (FeedServer server = new FeedServer(github)) {
            ReleaseFetcher fetcher = new ReleaseFetcher("test");
            ReleaseSource source = json(server.url("/releases"), Duration.ofSeconds(10));
            assertEquals(new ReleaseFetcher.Answer(Version.parse("1.4.2"), "\"v1\"", false), fetcher.poll(source, null));
            assertEquals(new ReleaseFetcher.Answer(null, "\"v1\"", true), fetcher.poll(source, "\"v1\""));
            etag[0] = "\"v2\"";
            assertEquals(new ReleaseFetcher.Answer(Version.parse("1.4.2"), "\"v2\"", false), fetcher.poll(source, "\"v1\""));
            server.answer(FeedServer.status(304));
            assertEquals("HTTP 304 from " + source.url(), failure(fetcher, source), "a 304 to an unconditional poll");
        }
        try (FeedServer server = new FeedServer(github);
             ReleasePoller poller = new ReleasePoller("test", Duration.ofMillis(50))) {
            ReleaseSource often = new ReleaseSource(ReleaseSource.Format.JSON_FEED, server.url("/releases"), null,
                    Duration.ofMillis(100), Duration.ofSeconds(10), false);
            poller.watch(Map.of("chainflip", often));
            await().atMost(AWAIT).until(() -> server.requests.get() >= 3);
            assertEquals(Version.parse("1.4.2"), newest(poller), "an unchanged answer keeps the version");
            assertNull(poller.published().get("chainflip").problem());
        }
    }

    @Test
    void refusesWhatIsNotAFeedWithAPlainReason() throws Exception {
        try (FeedServer server = new FeedServer(FeedServer.ok("<html>rate limited</html>".getBytes(StandardCharsets.UTF_8)))) {
            ReleaseFetcher fetcher = new ReleaseFetcher("test");
            ReleaseSource source = json(server.url("/releases"), Duration.ofSeconds(10));
            assertTrue(failure(fetcher, source).startsWith("not JSON"), failure(fetcher, source));
            server.answer(FeedServer.ok("{\"message\": \"API rate limit exceeded\"}".getBytes(StandardCharsets.UTF_8)));
            assertTrue(failure(fetcher, source).contains("expected a JSON array of releases"), failure(fetcher, source));
            server.answer(FeedServer.ok("[".repeat(10_000).getBytes(StandardCharsets.UTF_8)));
            assertTrue(failure(fetcher, source).startsWith("not JSON"), failure(fetcher, source));
            server.answer(FeedServer.status(404));
            assertEquals("HTTP 404 from " + source.url(), failure(fetcher, source));
        }
    }

    @Test
    void aHugeOrSlowAnswerIsCutOffAtItsBound() throws Exception {
        try (FeedServer server = new FeedServer(FeedServer.endless())) {
            ReleaseFetcher fetcher = new ReleaseFetcher("test");
            String huge = failure(fetcher, apt(server.url("/Packages"), "x"));
            assertTrue(huge.contains("larger than 16 MiB"), huge);

            server.answer(FeedServer.trickle());
            long t0 = System.nanoTime();
            String slow = failure(fetcher, json(server.url("/releases"), Duration.ofSeconds(1)));
            assertTrue(slow.startsWith("no complete answer within 1s"), slow);
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(60).toNanos(), "the timeout ends the poll (the answer never ends)");
        }
    }

    @Test
    void aGzipBombIsCutOffWhileInflating() throws Exception {
        // The bound at 1 MiB here (128 MiB in use): the same code path, without inflating 128 MiB in a test.
        byte[] bomb = gzip(new byte[3 * 1024 * 1024]); // ~3 KB on the wire
        try (FeedServer server = new FeedServer(FeedServer.ok(bomb))) {
            String why = failure(new ReleaseFetcher("test", 1024 * 1024), apt(server.url("/Packages.gz"), "x"));
            assertTrue(why.contains("inflates to more than 1 MiB"), why);
        }
    }

    @Test
    void aFailedPollKeepsTheLastVersionAndRetriesWithBackoff() throws Exception {
        try (FeedServer server = new FeedServer(FeedServer.ok(GITHUB.getBytes(StandardCharsets.UTF_8)));
             ReleasePoller poller = new ReleasePoller("test", Duration.ofMillis(50))) {
            ReleaseSource source = new ReleaseSource(ReleaseSource.Format.JSON_FEED, server.url("/releases"), null,
                    Duration.ofMillis(200), Duration.ofSeconds(10), false);
            poller.watch(Map.of("chainflip", source));
            await().atMost(AWAIT).until(() -> newest(poller) != null);
            assertEquals(Version.parse("1.4.2"), newest(poller));

            server.answer(FeedServer.status(500));
            await().atMost(AWAIT).until(() -> poller.published().get("chainflip").failures() >= 2);
            PublishedRelease failing = poller.published().get("chainflip");
            assertEquals(Version.parse("1.4.2"), failing.newest(), "a failing source says nothing about releases");
            assertTrue(failing.problem().startsWith("HTTP 500"), failing.problem());

            server.answer(FeedServer.ok("[{\"tag_name\": \"1.5.0\"}]".getBytes(StandardCharsets.UTF_8)));
            await().atMost(AWAIT).until(() -> Version.parse("1.5.0").equals(newest(poller)));
            assertNull(poller.published().get("chainflip").problem());
            assertEquals(0, poller.published().get("chainflip").failures());

            poller.watch(Map.of());
            await().atMost(AWAIT).until(() -> poller.published().isEmpty());
        }
    }

    @Test
    void retriesDoubleUpToTheInterval() {
        try (ReleasePoller poller = new ReleasePoller("test")) {
            assertEquals(Duration.ofMinutes(1), poller.retryDelay(1, HOUR));
            assertEquals(Duration.ofMinutes(2), poller.retryDelay(2, HOUR));
            assertEquals(Duration.ofMinutes(32), poller.retryDelay(6, HOUR));
            assertEquals(HOUR, poller.retryDelay(7, HOUR));
            assertEquals(HOUR, poller.retryDelay(Integer.MAX_VALUE, HOUR));
        }
    }

    @Test
    void debianVersionsBecomeSemanticVersions() {
        assertEquals(Version.parse("1.2.3"), AptIndex.debianToSemver("1.2.3"));
        assertEquals(Version.parse("1.2.3"), AptIndex.debianToSemver("2:1.2.3-0ubuntu1"));
        assertEquals(Version.parse("1.2.0-rc1"), AptIndex.debianToSemver("1.2.0~rc1-1"));
        assertNull(AptIndex.debianToSemver("20240611"), "a date is no x.y.z");
        assertNull(AptIndex.debianToSemver("abc"));
        assertEquals(Version.parse("1.2.0"), AptIndex.debianToSemver("1.2"));
    }

    private static Version newest(ReleasePoller poller) {
        PublishedRelease p = poller.published().get("chainflip");
        return p == null ? null : p.newest();
    }

    private static String failure(ReleaseFetcher fetcher, ReleaseSource source) {
        try {
            return "no failure: " + fetcher.newest(source);
        } catch (FeedException e) {
            return e.getMessage();
        }
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
