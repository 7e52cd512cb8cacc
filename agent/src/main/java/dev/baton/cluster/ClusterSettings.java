package dev.baton.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The {@code [cluster]} section. Timing follows Patroni's rule, renew + 2 x retry &lt;= ttl: a renewal
 * may fail and be retried twice before the lease can expire. The holder of an exclusive lock must in
 * addition stop its program within what is left (see {@link ExclusiveProgramSettings#validate}).
 *
 * @param endpoints        etcd client URLs, all {@code http://} or all {@code https://}
 * @param tls              mTLS files (required with https, refused with http); null for plain http
 * @param host             this host's name in the fleet and in lock keys (unique per host)
 * @param keyPrefix        every key lives under it; starts and ends with '/'
 * @param leaseTtl         lease time to live, whole seconds, at least 2 s (etcd's minimum); bounds failover time
 * @param renewInterval    a renewal is sent this often
 * @param retryTimeout     one etcd call (renewal, read, transaction) gives up after this; failed renewals are retried
 * @param takeoverJitter   a standby waits a random 0..jitter after seeing the lock free, so two do not race
 * @param fenceMargin      safety margin between "the holder's program has exited" and its local lease deadline
 *                         (covers SIGKILL, reaping, scheduling delays)
 * @param checkInterval    the lock keys are re-read and readiness probed this often (watches make it faster)
 * @param failoverTimeout  a switchover request lives this long: until then only its target may take the lock
 * @param inventoryRefresh this host's inventory is re-checked and the fleet counts refreshed this often
 * @param failsafe         keep the holder's program running through an etcd outage while every peer confirms
 *                         (see docs/cluster.md#failsafe-through-an-etcd-outage); null: off, the holder fences as always
 */
public record ClusterSettings(List<URI> endpoints, TlsFiles tls, String host, String keyPrefix,
                              Duration leaseTtl, Duration renewInterval, Duration retryTimeout,
                              Duration takeoverJitter, Duration fenceMargin, Duration checkInterval,
                              Duration failoverTimeout, Duration inventoryRefresh, FailsafeSettings failsafe) {

    public static final String DEFAULT_KEY_PREFIX = "/baton/";
    public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(15);
    public static final Duration DEFAULT_RENEW_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_RETRY_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TAKEOVER_JITTER = Duration.ofSeconds(1);
    public static final Duration DEFAULT_FENCE_MARGIN = Duration.ofSeconds(1);
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_FAILOVER_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_INVENTORY_REFRESH = Duration.ofSeconds(10);

    /** Host names and lock names: they become one etcd key segment. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public ClusterSettings {
        endpoints = List.copyOf(endpoints);
    }

    /** Settings with every default, for these endpoints and this machine's host name. */
    public static ClusterSettings defaults(List<URI> endpoints) {
        return new ClusterSettings(endpoints, null, localHostName(), DEFAULT_KEY_PREFIX, DEFAULT_LEASE_TTL,
                DEFAULT_RENEW_INTERVAL, DEFAULT_RETRY_TIMEOUT, DEFAULT_TAKEOVER_JITTER, DEFAULT_FENCE_MARGIN,
                DEFAULT_CHECK_INTERVAL, DEFAULT_FAILOVER_TIMEOUT, DEFAULT_INVENTORY_REFRESH, null);
    }

    public ClusterSettings withTls(TlsFiles files) {
        return new ClusterSettings(endpoints, files, host, keyPrefix, leaseTtl, renewInterval, retryTimeout,
                takeoverJitter, fenceMargin, checkInterval, failoverTimeout, inventoryRefresh, failsafe);
    }

    public ClusterSettings withFailsafe(FailsafeSettings peers) {
        return new ClusterSettings(endpoints, tls, host, keyPrefix, leaseTtl, renewInterval, retryTimeout,
                takeoverJitter, fenceMargin, checkInterval, failoverTimeout, inventoryRefresh, peers);
    }

    /**
     * How long a host must have had no confirmed etcd contact before it confirms a holder's failsafe
     * request, and before a holder asks: one renewal and its retry failed.
     */
    public Duration etcdSilenceBound() {
        return renewInterval.plus(retryTimeout);
    }

    public ClusterSettings withHost(String name) {
        return new ClusterSettings(endpoints, tls, name, keyPrefix, leaseTtl, renewInterval, retryTimeout,
                takeoverJitter, fenceMargin, checkInterval, failoverTimeout, inventoryRefresh, failsafe);
    }

    public ClusterSettings withKeyPrefix(String prefix) {
        return new ClusterSettings(endpoints, tls, host, prefix, leaseTtl, renewInterval, retryTimeout,
                takeoverJitter, fenceMargin, checkInterval, failoverTimeout, inventoryRefresh, failsafe);
    }

    /** The lease timing in one call, as the rule ties the three together. */
    public ClusterSettings withLeaseTiming(Duration ttl, Duration renew, Duration retry) {
        return new ClusterSettings(endpoints, tls, host, keyPrefix, ttl, renew, retry,
                takeoverJitter, fenceMargin, checkInterval, failoverTimeout, inventoryRefresh, failsafe);
    }

    public ClusterSettings withTakeover(Duration jitter, Duration margin) {
        return new ClusterSettings(endpoints, tls, host, keyPrefix, leaseTtl, renewInterval, retryTimeout,
                jitter, margin, checkInterval, failoverTimeout, inventoryRefresh, failsafe);
    }

    public ClusterSettings withIntervals(Duration check, Duration failover, Duration inventory) {
        return new ClusterSettings(endpoints, tls, host, keyPrefix, leaseTtl, renewInterval, retryTimeout,
                takeoverJitter, fenceMargin, check, failover, inventory, failsafe);
    }

    boolean usesTls() {
        return !endpoints.isEmpty() && "https".equals(endpoints.get(0).getScheme());
    }

    /**
     * Everything wrong with these settings, one sentence each, prefixed with the config key
     * ({@code lease_ttl: ...}). Empty when the settings are usable.
     */
    public static List<String> validate(ClusterSettings s) {
        List<String> problems = new ArrayList<>();
        validateEndpoints(s, problems);
        validateTls(s, problems);
        if (s.host() == null || !NAME.matcher(s.host()).matches()) {
            problems.add("host: \"" + s.host() + "\" is not a usable host name (letters, digits, '.', '_', '-';"
                    + " at most 128 characters)");
        }
        if (s.keyPrefix() == null || !s.keyPrefix().startsWith("/") || !s.keyPrefix().endsWith("/")) {
            problems.add("key_prefix: \"" + s.keyPrefix() + "\" must start and end with '/', e.g. \"/baton/\"");
        }
        validateTiming(s, problems);
        if (s.failsafe() != null) {
            problems.addAll(FailsafeSettings.validate(s.failsafe()));
        }
        return problems;
    }

    private static void validateEndpoints(ClusterSettings s, List<String> problems) {
        if (s.endpoints().isEmpty()) {
            problems.add("endpoints: at least one etcd URL is needed, e.g. [\"https://10.0.0.5:2379\"]");
            return;
        }
        for (URI uri : s.endpoints()) {
            boolean schemeOk = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            if (!schemeOk || uri.getHost() == null || uri.getPort() <= 0) {
                problems.add("endpoints: \"" + uri + "\" is not an etcd URL such as https://10.0.0.5:2379");
            }
        }
        if (s.endpoints().stream().map(URI::getScheme).distinct().count() > 1) {
            problems.add("endpoints: mixes http:// and https://; use one scheme for all endpoints");
        }
    }

    private static void validateTls(ClusterSettings s, List<String> problems) {
        TlsFiles tls = s.tls();
        if (tls == null) {
            if (s.usesTls()) {
                problems.add("tls: https endpoints need tls_ca, tls_cert and tls_key (etcd runs with --client-cert-auth)");
            }
            return;
        }
        if (tls.ca() == null || tls.cert() == null || tls.key() == null) {
            problems.add("tls: give all three of tls_ca, tls_cert and tls_key, or none");
            return;
        }
        if (!s.usesTls()) {
            problems.add("tls: TLS files are set but the endpoints are http://; use https:// endpoints");
        }
        for (Path file : List.of(tls.ca(), tls.cert(), tls.key())) {
            if (!Files.isReadable(file)) {
                problems.add("tls: cannot read " + file);
            }
        }
    }

    private static void validateTiming(ClusterSettings s, List<String> problems) {
        List<Duration> all = List.of(s.leaseTtl(), s.renewInterval(), s.retryTimeout(), s.takeoverJitter(),
                s.fenceMargin(), s.checkInterval(), s.failoverTimeout(), s.inventoryRefresh());
        if (all.stream().anyMatch(Objects::isNull)) {
            problems.add("timing: every duration must be set");
            return;
        }
        Duration ttl = s.leaseTtl();
        if (ttl.toMillis() % 1000 != 0 || ttl.getSeconds() < 2) {
            problems.add("lease_ttl: " + show(ttl) + " must be whole seconds and at least 2s (etcd grants leases in seconds)");
        }
        positive("renew_interval", s.renewInterval(), problems);
        positive("retry_timeout", s.retryTimeout(), problems);
        positive("check_interval", s.checkInterval(), problems);
        positive("inventory_refresh", s.inventoryRefresh(), problems);
        if (s.takeoverJitter().isNegative() || s.fenceMargin().isNegative()) {
            problems.add("takeover_jitter, fence_margin: must not be negative");
        }
        Duration patroni = s.renewInterval().plus(s.retryTimeout().multipliedBy(2));
        if (patroni.compareTo(ttl) > 0) {
            problems.add("lease_ttl: renew_interval " + show(s.renewInterval()) + " + 2 x retry_timeout "
                    + show(s.retryTimeout()) + " = " + show(patroni) + " exceeds lease_ttl " + show(ttl)
                    + " (Patroni's rule: a renewal must be able to fail and be retried twice before the lease"
                    + " can expire); raise lease_ttl to at least " + show(roundUpToSeconds(patroni))
                    + " or lower renew_interval / retry_timeout");
        }
        if (s.failoverTimeout().compareTo(ttl) < 0) {
            problems.add("failover_timeout: " + show(s.failoverTimeout()) + " is shorter than lease_ttl " + show(ttl)
                    + "; a switchover needs at least one lease_ttl, use " + show(ttl.multipliedBy(2)));
        }
        if (s.checkInterval().compareTo(ttl) > 0) {
            problems.add("check_interval: " + show(s.checkInterval()) + " must not exceed lease_ttl " + show(ttl));
        }
    }

    private static void positive(String key, Duration d, List<String> problems) {
        if (d.isZero() || d.isNegative()) {
            problems.add(key + ": must be greater than zero");
        }
    }

    public static Duration roundUpToSeconds(Duration d) {
        long seconds = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
        return Duration.ofSeconds(Math.max(seconds, 2));
    }

    /** "1.5s", "15s", "250ms": how durations are written in baton's config. */
    public static String show(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms < 1000 ? ms + "ms" : (ms / 1000.0) + "s";
    }

    /** The kernel's host name (no DNS lookup), falling back to Java's. */
    static String localHostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask Java below
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
