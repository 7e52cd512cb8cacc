package dev.baton.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterSettingsTest {
    private static final ClusterSettings DEFAULTS = ClusterSettings.defaults(List.of(URI.create("http://127.0.0.1:2379")));

    private static ExclusiveProgramSettings validator(Duration stopTimeout) {
        return new ExclusiveProgramSettings("validator", "identity", new ReadinessSpec.Always(), null, stopTimeout);
    }

    @Test
    void theDefaultsFollowPatronisRuleAndLeaveRoomForAStopOfSevenSeconds() {
        assertEquals(List.of(), ClusterSettings.validate(DEFAULTS));
        assertEquals(Duration.ofSeconds(15), DEFAULTS.leaseTtl());
        assertEquals("/baton/", DEFAULTS.keyPrefix());
        assertFalse(DEFAULTS.host().isBlank());
        // renew 2 + 2 x retry 2 + stop 7 + margin 1 = 14 <= 15
        assertEquals(List.of(), Cluster.validate(DEFAULTS, List.of(validator(Duration.ofSeconds(7)))));
    }

    @Test
    void patronisRuleIsExplainedWithTheFix() {
        ClusterSettings s = DEFAULTS.withLeaseTiming(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(3));
        List<String> problems = ClusterSettings.validate(s);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("lease_ttl: renew_interval 5s + 2 x retry_timeout 3s = 11s exceeds lease_ttl 10s"),
                problems.get(0));
        assertTrue(problems.get(0).contains("raise lease_ttl to at least 11s"), problems.get(0));
    }

    @Test
    void theHolderMustBeAbleToStopItsProgramBeforeTheLeaseCanExpire() {
        List<String> problems = Cluster.validate(DEFAULTS, List.of(validator(Duration.ofSeconds(10))));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("programs.validator.exclusive: renew_interval 2s + 2 x retry_timeout 2s"
                + " + the program's stop_timeout 10s + fence_margin 1s = 17s exceeds cluster.lease_ttl 15s"), problems.get(0));
        assertTrue(problems.get(0).contains("raise lease_ttl to at least 17s or lower the stop_timeout"), problems.get(0));
    }

    @Test
    void leasesAreWholeSecondsOfAtLeastTwo() {
        ClusterSettings s = DEFAULTS.withLeaseTiming(Duration.ofMillis(1500), Duration.ofMillis(100), Duration.ofMillis(100));
        assertTrue(ClusterSettings.validate(s).get(0).startsWith("lease_ttl: 1.5s must be whole seconds"));
    }

    @Test
    void endpointsAndTlsMustAgree() {
        ClusterSettings https = ClusterSettings.defaults(List.of(URI.create("https://10.0.0.5:2379")));
        assertTrue(ClusterSettings.validate(https).get(0).startsWith("tls: https endpoints need tls_ca, tls_cert and tls_key"));
        Path missing = Path.of("/nonexistent/ca.pem");
        List<String> partial = ClusterSettings.validate(https.withTls(new TlsFiles(missing, null, null)));
        assertEquals(List.of("tls: give all three of tls_ca, tls_cert and tls_key, or none"), partial);
        List<String> plainWithTls = ClusterSettings.validate(DEFAULTS.withTls(new TlsFiles(missing, missing, missing)));
        assertTrue(plainWithTls.contains("tls: TLS files are set but the endpoints are http://; use https:// endpoints"));
        assertTrue(plainWithTls.contains("tls: cannot read /nonexistent/ca.pem"));
        ClusterSettings mixed = ClusterSettings.defaults(List.of(URI.create("http://a:1"), URI.create("https://b:2")))
                .withTls(null);
        assertTrue(ClusterSettings.validate(mixed).stream().anyMatch(p -> p.contains("mixes http:// and https://")));
        ClusterSettings bad = ClusterSettings.defaults(List.of(URI.create("etcd.local:2379")));
        assertTrue(ClusterSettings.validate(bad).get(0).startsWith("endpoints: \"etcd.local:2379\" is not an etcd URL"));
    }

    @Test
    void namesBecomeKeySegments() {
        assertTrue(ClusterSettings.validate(DEFAULTS.withHost("a/b")).get(0).startsWith("host: \"a/b\""));
        assertTrue(ClusterSettings.validate(DEFAULTS.withKeyPrefix("baton")).get(0).startsWith("key_prefix:"));
        ExclusiveProgramSettings slashed = new ExclusiveProgramSettings("v", "x/y", new ReadinessSpec.Always(), null,
                Duration.ofSeconds(1));
        assertTrue(Cluster.validate(DEFAULTS, List.of(slashed)).get(0).startsWith("programs.v.exclusive.lock:"));
    }

    @Test
    void eachLockOnceAndReadinessIsRequired() {
        ExclusiveProgramSettings a = validator(Duration.ofSeconds(1));
        ExclusiveProgramSettings b = new ExclusiveProgramSettings("other", "identity", null, "validator", Duration.ofSeconds(1));
        List<String> problems = Cluster.validate(DEFAULTS, List.of(a, b));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("programs.other.exclusive.readiness: required")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("lock \"identity\" is already used")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("\"validator\" is itself exclusive")), problems.toString());
    }
}
