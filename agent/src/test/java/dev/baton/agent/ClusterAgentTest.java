package dev.baton.agent;

import static dev.baton.agent.ClusterHosts.TTL;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cluster.etcd.TestCerts;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exclusive programs across real agents (separate JVMs, own state dirs and API ports) and a real
 * etcd: failover when the holder dies, fencing when the holder loses etcd, recovery after an etcd
 * restart, planned switchover through the CLI and the API, a standby that is not ready, the fleet
 * view and its metrics. Every test ends by checking the shared ledger: at no sampled instant did
 * two hosts run the exclusive program, and fencing tokens only grew.
 *
 * <p>Bounds: "within ttl + 1s" is asserted with 1.5s of slack on top (this machine runs several
 * builds on two cores; agents are JVMs that can be descheduled), and the measured times are printed.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterAgentTest {
    private static final Duration SLACK = Duration.ofMillis(1500);
    private static final Duration SETTLE = TTL.multipliedBy(6);

    private ClusterHosts cluster;

    @AfterEach
    void checkTheLedger() {
        if (cluster == null) {
            return;
        }
        List<String> violations;
        List<String> overlaps;
        List<Long> tokens;
        try {
            tokens = cluster.tokens();
            overlaps = cluster.overlaps();
        } finally {
            cluster.close();
            violations = cluster.violations();
        }
        assertEquals(List.of(), violations, "two hosts ran the exclusive program at a sampled instant");
        assertEquals(List.of(), overlaps, "two hosts' lives of the exclusive program overlap");
        for (int i = 1; i < tokens.size(); i++) {
            assertTrue(tokens.get(i) > tokens.get(i - 1), "fencing tokens must grow: " + tokens);
        }
        assertTrue(cluster.sampleCount() > 100, "the sampler ran");
    }

    private ClusterHosts.Host startTwo() throws Exception {
        cluster = new ClusterHosts();
        cluster.start("a", true);
        cluster.start("b", true);
        cluster.awaitApis(Duration.ofSeconds(60));
        return cluster.awaitOneHolder(SETTLE);
    }

    private ClusterHosts.Host other(ClusterHosts.Host host) {
        return cluster.hosts().stream().filter(h -> h != host).findFirst().orElseThrow();
    }

    @Test
    void theHolderIsSigkilledAndTheStandbyRunsTheProgramWithinTheTtl() throws Exception {
        ClusterHosts.Host holder = startTwo();
        ClusterHosts.Host standby = other(holder);
        JsonNode status = holder.cluster();
        long token = status.path("locks").path(0).path("fencing_token").asLong();
        assertTrue(token > 0, status.toString());
        ClusterHosts.Life running = cluster.lives().stream().filter(ClusterHosts.Life::alive).findFirst().orElseThrow();
        assertEquals(token, running.token, "the program got the lock's fencing token in BATON_FENCING_TOKEN");

        long killed = ClusterHosts.now();
        holder.sigkill();
        // The agent's programs die with it (parent-death signal): no orphan keeps the identity.
        await("the dead holder's program gone").atMost(Duration.ofSeconds(10)).until(() -> !holder.runs());
        await("standby takes over").atMost(TTL.plus(Duration.ofSeconds(1)).plus(SLACK).plusSeconds(5))
                .until(() -> cluster.firstStartAfter(killed).isPresent());
        ClusterHosts.Life next = cluster.firstStartAfter(killed).orElseThrow();
        long millis = (next.startNanos - killed) / 1_000_000;
        System.out.printf("failover after SIGKILL of the holder: %d ms (lease ttl %d ms)%n", millis, TTL.toMillis());
        assertEquals(standby.name, next.host);
        assertTrue(next.token > token, "a new fencing token: " + next.token + " after " + token);
        assertTrue(millis <= TTL.plusSeconds(1).plus(SLACK).toMillis(),
                "standby ran the program " + millis + " ms after the holder died (ttl " + TTL.toMillis() + " ms)");
        await().atMost(Duration.ofSeconds(5)).until(standby::holds);
    }

    /**
     * A paused agent cannot fence: the systemd watchdog must kill it (and with it, by the parent-death
     * signal, its programs) before a standby can take over. Emulated: SIGSTOP the holder's agent, then
     * SIGKILL it after "WatchdogSec" = 600 ms (1.5 x 600 ms fits in stop_timeout + fence_margin = 1 s).
     */
    @Test
    void aPausedHolderKilledByTheWatchdogIsGoneBeforeAStandbyTakesOver() throws Exception {
        ClusterHosts.Host holder = startTwo();
        ClusterHosts.Host standby = other(holder);
        ClusterHosts.Life running = cluster.lives().stream().filter(ClusterHosts.Life::alive).findFirst().orElseThrow();
        long paused = ClusterHosts.now();
        signal("STOP", holder.agent.pid());
        Thread.sleep(600);
        assertTrue(running.alive(), "a paused agent's program keeps running: only the watchdog can end it");
        signal("KILL", holder.agent.pid());
        await("the paused holder's program dies with it").atMost(Duration.ofSeconds(10)).until(() -> !running.alive());
        System.out.printf("paused holder: program gone %d ms after the pause%n", (running.goneNanos - paused) / 1_000_000);
        await("standby takes over").atMost(TTL.plusSeconds(5)).until(() -> cluster.firstStartAfter(paused).isPresent());
        ClusterHosts.Life next = cluster.firstStartAfter(paused).orElseThrow();
        assertEquals(standby.name, next.host);
        assertTrue(next.startNanos > running.goneNanos, "the standby started after the paused holder's program was gone");
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    @Test
    void theHolderLosesEtcdAndItsProgramExitsBeforeTheLeaseCanExpire() throws Exception {
        ClusterHosts.Host holder = startTwo();
        ClusterHosts.Host standby = other(holder);
        ClusterHosts.Life running = cluster.lives().stream().filter(ClusterHosts.Life::alive).findFirst().orElseThrow();
        cluster.etcd.stop();
        // No renewal can be confirmed any more: the holder's local deadline (last confirmed renewal + ttl) is fixed.
        long asked = ClusterHosts.now();
        JsonNode status = holder.cluster();
        long deadline = asked + status.path("lease_remaining_ms").asLong() * 1_000_000;
        assertTrue(status.path("lease_remaining_ms").asLong() <= TTL.toMillis(), status.toString());
        await("holder fences its program").atMost(TTL.plusSeconds(2)).until(() -> !running.alive());
        long exited = running.stopNanos != 0 ? Math.max(running.stopNanos, 0) : running.goneNanos;
        System.out.printf("etcd stopped: the holder's program exited %d ms before its lease could expire%n",
                (deadline - running.goneNanos) / 1_000_000);
        assertTrue(running.stopNanos != 0, "stopped with SIGTERM (its stop line)");
        assertTrue(running.goneNanos < deadline, "the program was gone " + (running.goneNanos - deadline) / 1_000_000
                + " ms after the holder's lease deadline");
        assertTrue(exited < deadline);
        // While etcd is away nobody may start it.
        Thread.sleep(TTL.toMillis());
        assertFalse(standby.runs() || holder.runs(), "no host runs the program while etcd is away");
        assertNotEquals("HOLDER", standby.role());

        cluster.etcd.restart();
        ClusterHosts.Host next = cluster.awaitOneHolder(SETTLE);
        System.out.println("after etcd came back: " + next.name + " holds the lock");
    }

    @Test
    void etcdRestartsAndEverythingRecoversWithoutADoubleRun() throws Exception {
        ClusterHosts.Host holder = startTwo();
        for (int round = 0; round < 3; round++) {
            if (round % 2 == 0) {
                cluster.etcd.restart(); // SIGTERM, start again on the same data: short outage
            } else {
                cluster.etcd.kill();
                cluster.etcd.restart();
            }
            long healthy = ClusterHosts.now();
            holder = cluster.awaitOneHolder(SETTLE);
            Optional<ClusterHosts.Life> restarted = cluster.firstStartAfter(healthy);
            System.out.println("etcd restart " + round + ": " + holder.name + " holds the lock"
                    + restarted.map(l -> ", program started " + (l.startNanos - healthy) / 1_000_000 + " ms after etcd was healthy")
                    .orElse(", its program kept running"));
        }
        for (ClusterHosts.Host h : cluster.hosts()) {
            assertTrue(h.connected(), h.name + " reconnected: " + h.cluster());
        }
    }

    @Test
    void plannedSwitchoverThroughTheCliAndTheApi() throws Exception {
        ClusterHosts.Host holder = startTwo();
        ClusterHosts.Host target = other(holder);
        await("target ready in the fleet view").atMost(SETTLE).until(() ->
                ClusterHosts.baton(holder, "failover", "--to", target.name).code() == 0);

        ClusterHosts.Run dry = ClusterHosts.baton(target, "failover", "--to", target.name);
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("switchover of lock " + ClusterHosts.LOCK), dry.out());
        assertTrue(dry.out().contains(holder.name + " stops validator and waits until it has exited"), dry.out());
        assertTrue(dry.out().contains("dry run: nothing changed"), dry.out());
        assertTrue(holder.holds(), "a dry run changes nothing");

        ClusterHosts.Run refused = ClusterHosts.baton(holder, "failover", "--to", holder.name);
        assertEquals(1, refused.code());
        assertTrue(refused.out().contains("refused: " + holder.name + " already holds lock"), refused.out());

        long asked = ClusterHosts.now();
        ClusterHosts.Run run = ClusterHosts.baton(holder, "failover", "--to", target.name, "--yes");
        assertEquals(0, run.code(), run.out() + run.err());
        assertTrue(run.out().contains("lock identity: " + holder.name + " -> " + target.name), run.out());
        await().atMost(Duration.ofSeconds(5)).until(() -> cluster.firstStartAfter(asked).isPresent());
        ClusterHosts.Life next = cluster.firstStartAfter(asked).orElseThrow();
        assertEquals(target.name, next.host);
        System.out.printf("planned switchover (CLI): %d ms from the request to the new program%n",
                (next.startNanos - asked) / 1_000_000);
        await().atMost(Duration.ofSeconds(5)).until(target::holds);

        // And back through the API: actions need the token.
        HttpResponse<String> anonymous = ClusterHosts.post(holder, "/v1/cluster/failover?to=" + holder.name, false);
        assertEquals(401, anonymous.statusCode(), anonymous.body());
        await("old holder ready again").atMost(SETTLE).until(() -> ClusterHosts.json(ClusterHosts.post(target,
                "/v1/cluster/failover?dry_run=true&to=" + holder.name, true).body()).path("feasible").asBoolean());
        long back = ClusterHosts.now();
        HttpResponse<String> api = ClusterHosts.post(target, "/v1/cluster/failover?to=" + holder.name, true);
        assertEquals(200, api.statusCode(), api.body());
        JsonNode result = ClusterHosts.json(api.body());
        assertEquals(holder.name, result.path("new_holder").asText());
        assertEquals(target.name, result.path("previous_holder").asText());
        await().atMost(Duration.ofSeconds(5)).until(() -> cluster.firstStartAfter(back).isPresent());
        System.out.printf("planned switchover (API): %d ms from the request to the new program%n",
                (cluster.firstStartAfter(back).orElseThrow().startNanos - back) / 1_000_000);

        // The supervisor refuses to start the exclusive program by hand.
        ClusterHosts.Run start = ClusterHosts.baton(target, "start", "validator");
        assertEquals(1, start.code());
        assertTrue(start.out().contains("validator is started only by the cluster (lock identity)"), start.out());
    }

    @Test
    void aStandbyThatIsNotReadyNeverTakesOver() throws Exception {
        cluster = new ClusterHosts();
        ClusterHosts.Host a = cluster.start("a", true);
        ClusterHosts.Host b = cluster.start("b", false);
        cluster.awaitApis(Duration.ofSeconds(60));
        ClusterHosts.Host holder = cluster.awaitOneHolder(SETTLE);
        assertEquals(a.name, holder.name, "only a is ready");
        JsonNode plan = ClusterHosts.json(ClusterHosts.post(a, "/v1/cluster/failover?dry_run=true&to=b", true).body());
        assertFalse(plan.path("feasible").asBoolean());
        assertTrue(plan.path("problems").toString().contains("b reports it is not ready"), plan.toString());

        long killed = ClusterHosts.now();
        a.sigkill();
        Thread.sleep(TTL.multipliedBy(2).toMillis());
        assertTrue(cluster.firstStartAfter(killed).isEmpty(), "b is not ready: it must not take over");
        assertEquals("STANDBY", b.role());

        b.ready(true); // caught up
        await("b takes over once ready").atMost(SETTLE).until(() -> cluster.firstStartAfter(killed).isPresent());
        assertEquals("b", cluster.firstStartAfter(killed).orElseThrow().host);
    }

    @Test
    void theFleetShowsEveryHostAndTheMetricsCountThem() throws Exception {
        cluster = new ClusterHosts();
        for (String name : List.of("a", "b", "c")) {
            cluster.start(name, true);
        }
        cluster.awaitApis(Duration.ofSeconds(90));
        ClusterHosts.Host holder = cluster.awaitOneHolder(SETTLE);
        ClusterHosts.Host asker = other(holder);
        await("three hosts in the fleet").atMost(SETTLE).until(() -> {
            JsonNode fleet = ClusterHosts.getJson(asker, "/v1/fleet");
            return fleet != null && fleet.path("hosts").asInt() == 3;
        });
        JsonNode fleet = ClusterHosts.getJson(asker, "/v1/fleet");
        List<String> names = new ArrayList<>();
        fleet.path("fleet").forEach(h -> names.add(h.path("host").asText()));
        assertEquals(List.of("a", "b", "c"), names);
        for (JsonNode h : fleet.path("fleet")) {
            assertEquals(2, h.path("programs").size(), h.toString());
            boolean holds = h.path("host").asText().equals(holder.name);
            assertEquals(holds ? "RUNNING" : "STOPPED", program(h, "validator").path("state").asText(), h.toString());
            assertEquals("RUNNING", program(h, "node").path("state").asText(), h.toString());
            assertEquals(holds ? "HOLDER" : "STANDBY", h.path("locks").path(0).path("role").asText(), h.toString());
        }

        ClusterHosts.Run table = ClusterHosts.baton(asker, "fleet");
        assertEquals(0, table.code(), table.err());
        for (String name : names) {
            assertTrue(table.out().contains("\n" + name + " "), table.out());
        }
        assertTrue(table.out().matches("(?s).*\nidentity +" + holder.name + " +HOLDER .*"), table.out());
        assertTrue(table.out().contains("3 hosts"), table.out());
        System.out.println(table.out());

        await("fleet metrics").atMost(Duration.ofSeconds(10)).until(() -> metrics(asker).contains("baton_fleet_hosts 3.0"));
        String metrics = metrics(asker);
        assertTrue(metrics.contains("baton_fleet_programs{state=\"RUNNING\"} 4.0"), metrics);
        assertTrue(metrics.contains("baton_fleet_locks_held 1.0"), metrics);
        assertTrue(metrics.contains("baton_cluster_connected 1.0"), metrics);
        assertTrue(metrics.contains("baton_cluster_lock_holder_info{holder=\"" + holder.name
                + "\",lock=\"identity\",program=\"validator\"} 1"), metrics);
        assertTrue(metrics.contains("baton_cluster_lock_role{lock=\"identity\",program=\"validator\",role=\"STANDBY\"} 1.0"),
                metrics);

        // A dead host leaves the fleet when its lease expires.
        ClusterHosts.Host gone = cluster.hosts().stream().filter(h -> h != holder && h != asker).findFirst().orElseThrow();
        gone.sigkill();
        await("dead host leaves the fleet").atMost(TTL.plusSeconds(5)).until(() -> {
            JsonNode f = ClusterHosts.getJson(asker, "/v1/fleet");
            return f != null && f.path("hosts").asInt() == 2;
        });
    }

    @Test
    void mutualTlsAsInSolanasGuide(@TempDir Path certDir) throws Exception {
        cluster = new ClusterHosts(TestCerts.create(certDir));
        assertTrue(cluster.etcd.clientUrl().toString().startsWith("https://"));
        cluster.start("a", true);
        cluster.start("b", true);
        cluster.awaitApis(Duration.ofSeconds(60));
        ClusterHosts.Host holder = cluster.awaitOneHolder(SETTLE);
        ClusterHosts.Host target = other(holder);
        await("target ready").atMost(SETTLE).until(() -> ClusterHosts.baton(holder, "failover", "--to", target.name).code() == 0);
        ClusterHosts.Run run = ClusterHosts.baton(target, "failover", "--to", target.name, "--yes");
        assertEquals(0, run.code(), run.out() + run.err());
        await().atMost(Duration.ofSeconds(10)).until(() -> target.holds() && target.runs() && !holder.runs());
        assertEquals(2, ClusterHosts.getJson(holder, "/v1/fleet").path("hosts").asInt());
    }

    private static JsonNode program(JsonNode host, String name) {
        for (JsonNode p : host.path("programs")) {
            if (p.path("name").asText().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no program " + name + " in " + host);
    }

    private static String metrics(ClusterHosts.Host host) {
        try {
            return ClusterHosts.get(host, "/metrics").body();
        } catch (Exception e) {
            return "";
        }
    }
}
