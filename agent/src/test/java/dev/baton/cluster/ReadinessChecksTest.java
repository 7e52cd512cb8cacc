package dev.baton.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReadinessChecksTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    @Test
    void httpIsReadyOn2xxOnly() throws IOException {
        AtomicInteger status = new AtomicInteger(200);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/health", exchange -> {
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health");
            ReadinessCheck check = ReadinessChecks.of(new ReadinessSpec.Http(url, SHORT), EngineRoles.NONE);
            assertTrue(check.ready());
            status.set(503);
            assertFalse(check.ready());
        } finally {
            server.stop(0);
        }
        ReadinessCheck nobody = ReadinessChecks.of(new ReadinessSpec.Http(URI.create("http://127.0.0.1:1/"), SHORT),
                EngineRoles.NONE);
        assertFalse(nobody.ready());
    }

    @Test
    void commandsAreReadyOnExitZeroWithinTheirTimeout() {
        assertTrue(ReadinessChecks.of(new ReadinessSpec.Command(List.of("true"), SHORT), EngineRoles.NONE).ready());
        assertFalse(ReadinessChecks.of(new ReadinessSpec.Command(List.of("false"), SHORT), EngineRoles.NONE).ready());
        long t0 = System.nanoTime();
        assertFalse(ReadinessChecks.of(new ReadinessSpec.Command(List.of("sleep", "60"), SHORT), EngineRoles.NONE).ready());
        // Not a time bound on the machine: the timeout, not the command's own 60 s, ended the check.
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(45).toNanos(), "the timeout ends a hung check");
        assertFalse(ReadinessChecks.of(new ReadinessSpec.Command(List.of("/nonexistent"), SHORT), EngineRoles.NONE).ready());
    }

    @Test
    void engineRolesComeFromTheAgent() {
        ReadinessSpec spec = new ReadinessSpec.EngineRole("validator-secondary", Set.of("active", "caught-up"));
        assertTrue(ReadinessChecks.of(spec, p -> Optional.of("caught-up")).ready());
        assertFalse(ReadinessChecks.of(spec, p -> Optional.of("catching-up")).ready());
        assertFalse(ReadinessChecks.of(spec, EngineRoles.NONE).ready());
        assertTrue(ReadinessChecks.of(new ReadinessSpec.Always(), EngineRoles.NONE).ready());
    }

    @Test
    void aProbeThatHasNotAnsweredRecentlyIsNotReady() {
        ReadinessProbe probe = new ReadinessProbe("l", () -> true, Duration.ofMillis(100), Duration.ZERO);
        assertFalse(probe.ready(), "no answer yet");
    }

    @Test
    void readinessSettingsAreValidated() {
        ClusterSettings cluster = ClusterSettings.defaults(List.of(URI.create("http://127.0.0.1:2379")));
        List<ReadinessSpec> bad = List.of(new ReadinessSpec.Http(URI.create("ftp://x/"), SHORT),
                new ReadinessSpec.Command(List.of(), SHORT), new ReadinessSpec.EngineRole("v", Set.of()),
                new ReadinessSpec.Http(URI.create("http://x/"), Duration.ZERO));
        for (ReadinessSpec spec : bad) {
            List<String> problems = ExclusiveProgramSettings.validate(
                    new ExclusiveProgramSettings("v", "l", spec, null, Duration.ofSeconds(1)), cluster);
            assertEquals(1, problems.size(), spec + ": " + problems);
            assertTrue(problems.get(0).startsWith("programs.v.exclusive.readiness: "), problems.get(0));
        }
    }
}
