package dev.baton.cluster.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.Cluster;
import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.EngineRoles;
import dev.baton.cluster.ExclusiveProgramSettings;
import dev.baton.cluster.FailoverPlan;
import dev.baton.cluster.FleetWarnings;
import dev.baton.cluster.HostInventory;
import dev.baton.cluster.IdentityHooks;
import dev.baton.cluster.IdentityState;
import dev.baton.cluster.IdentityStatus;
import dev.baton.cluster.InventorySource;
import dev.baton.cluster.LocalInventory;
import dev.baton.cluster.LockInventory;
import dev.baton.cluster.LockRole;
import dev.baton.cluster.ProgramInventory;
import dev.baton.cluster.ReadinessSpec;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Warm standby against a real etcd: the program runs on every host (real processes, started as the
 * supervisor's autostart would) and the lock moves its identity through hooks, shell scripts that
 * append to one shared log ({@code hooks.log}, which also gets the programs' spawn and exit lines):
 * the order of its lines is the order of the events. At no point of that log may two hosts' identities
 * be live: from an acquire's first line to its release's last line, or to the program's exit when the
 * release failed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WarmStandbyTest {
    private static final String PROGRAM = TestFleet.PROGRAM;
    private static final String LOCK = TestFleet.LOCK;
    /** renew 0.5 + 2 x retry 0.5 + hook timeout 1.5 + stop timeout 0.5 + fence margin 0.5 = 4s fits. */
    private static final Duration TTL = Duration.ofSeconds(4);
    private static final Duration HOOK_TIMEOUT = Duration.ofMillis(1500);
    private static final String HOOK = """
            #!/bin/sh
            action=$1; host=$2; dir=$3
            log() { echo "$1 $host $(date +%s%N) token=${BATON_FENCING_TOKEN:-} prev=${BATON_PREVIOUS_HOLDER:-} hook=${BATON_HOOK:-}" >> "$dir/hooks.log"; }
            case $action in
              acquire) log acquire-begin
                       if [ -e "$dir/$host.fail-acquire" ]; then log acquire-failed; exit 1; fi
                       if [ -e "$dir/$host.hang-acquire" ]; then touch "$dir/live-$host"; sleep 60; fi
                       touch "$dir/live-$host"; log acquire-end ;;
              release) log release-begin
                       if [ -e "$dir/$host.fail-release" ]; then log release-failed; exit 1; fi
                       if [ -e "$dir/slow-release" ]; then sleep 1; fi
                       rm -f "$dir/live-$host"; log release-end ;;
              verify)  log verify
                       [ -z "$BATON_PREVIOUS_HOLDER" ] || [ ! -e "$dir/live-$BATON_PREVIOUS_HOLDER" ] ;;
              safe)    log safe
                       [ -e "$dir/$host.safe" ] ;;
            esac
            """;

    record Host(String name, ClusterNode node, RecordingPrograms programs) {
        IdentityStatus identity() {
            return node.status().identities().get(0);
        }

        boolean live() {
            return identity().state() == IdentityState.LIVE && node.status().locks().get(0).role() == LockRole.HOLDER;
        }
    }

    private TestFleet fleet;
    private Path dir;
    private Path log;
    private Path hook;
    private Ledger ledger;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    /** How often hosts started from now on re-publish their inventory regardless of changes. */
    private Duration inventoryRefresh = Duration.ofSeconds(1);

    @BeforeEach
    void setUp() throws IOException {
        fleet = new TestFleet();
        dir = Files.createTempDirectory("baton-warm-");
        log = dir.resolve("hooks.log");
        ledger = new Ledger(log);
        hook = dir.resolve("hook.sh");
        Files.writeString(hook, HOOK);
        assertTrue(hook.toFile().setExecutable(true));
    }

    @AfterEach
    void tearDown() {
        try {
            hosts.values().forEach(h -> {
                h.node().crash();
                h.programs().close();
            });
            assertEquals(List.of(), identityOverlaps(), "two hosts' identities were live at once: " + lines());
        } finally {
            fleet.close();
        }
    }

    private List<String> hookArgv(String action, String host) {
        return List.of("/bin/sh", hook.toString(), action, host, dir.toString());
    }

    private Host start(String name, boolean verify, boolean safeMoment) {
        ClusterSettings settings = fleet.settings(name).withLeaseTiming(TTL, Duration.ofMillis(500), Duration.ofMillis(500))
                .withIntervals(Duration.ofMillis(250), TTL, inventoryRefresh); // failover_timeout = ttl: a short refusal
        IdentityHooks hooks = new IdentityHooks(hookArgv("acquire", name), hookArgv("release", name),
                verify ? hookArgv("verify", name) : null, HOOK_TIMEOUT);
        ExclusiveProgramSettings exclusive = new ExclusiveProgramSettings(PROGRAM, LOCK, new ReadinessSpec.Always(), null,
                TestFleet.STOP_TIMEOUT, hooks,
                safeMoment ? new ReadinessSpec.Command(hookArgv("safe", name), HOOK_TIMEOUT) : null);
        assertEquals(List.of(), Cluster.validate(settings, List.of(exclusive)));
        RecordingPrograms programs = new RecordingPrograms(name, ledger, TestFleet.STOP_TIMEOUT);
        programs.start(PROGRAM, Map.of()).join(); // the supervisor's autostart: the program runs on every host
        EngineRoles roles = program -> Optional.empty();
        InventorySource inventory = () -> new LocalInventory("0.1.0-test",
                List.of(new ProgramInventory(PROGRAM, "2.0.1", "RUNNING", null)), Map.of());
        ClusterNode node = (ClusterNode) Cluster.start(settings, List.of(exclusive), fleet.stateDir(name), programs,
                inventory, roles);
        Host host = new Host(name, node, programs);
        hosts.put(name, host);
        return host;
    }

    private Host awaitLiveHolder() {
        await().atMost(TTL.multipliedBy(4)).until(() -> hosts.values().stream().filter(Host::live).count() == 1);
        return hosts.values().stream().filter(Host::live).findFirst().orElseThrow();
    }

    private Host other(Host host) {
        return hosts.values().stream().filter(h -> h != host).findFirst().orElseThrow();
    }

    private void touch(String name) throws IOException {
        Files.writeString(dir.resolve(name), "");
    }

    private List<String> lines() {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The index of the first line starting with {@code word host} at or after {@code from}, or -1. */
    private int indexOf(String word, String host, int from) {
        List<String> all = lines();
        for (int i = Math.max(0, from); i < all.size(); i++) {
            if (all.get(i).startsWith(word + " " + host + " ")) {
                return i;
            }
        }
        return -1;
    }

    private long count(String word, String host) {
        return lines().stream().filter(l -> l.startsWith(word + " " + host + " ")).count();
    }

    /** Walks the log: an identity is live from its acquire's first line to its release's last, or its program's exit. */
    private List<String> identityOverlaps() {
        Set<String> live = new HashSet<>();
        List<String> out = new ArrayList<>();
        List<String> all = lines();
        for (int i = 0; i < all.size(); i++) {
            String[] f = all.get(i).split(" ");
            if (f.length < 2) {
                continue;
            }
            switch (f[0]) {
                case "acquire-begin" -> {
                    live.add(f[1]);
                    if (live.size() > 1) {
                        out.add("line " + (i + 1) + ": " + live);
                    }
                }
                case "release-end", "exit" -> live.remove(f[1]);
                default -> { }
            }
        }
        return out;
    }

    @Test
    void aPlannedSwitchoverReleasesOnTheHolderBeforeTheTargetVerifiesAndAcquiresAndRestartsNothing() throws Exception {
        Host a = start("a", true, false);
        Host b = start("b", true, false);
        Host holder = awaitLiveHolder();
        Host target = other(holder);
        long holderPid = holder.programs().instanceId(PROGRAM);
        long targetPid = target.programs().instanceId(PROGRAM);
        assertEquals(1, count("acquire-begin", holder.name()), lines().toString());
        assertEquals(0, count("acquire-begin", target.name()), lines().toString());
        assertEquals(IdentityState.PASSIVE, target.identity().state());
        int before = lines().size();

        // The target reports itself ready once its quiet period after its first lease is over.
        await().atMost(TTL.multipliedBy(2)).until(() -> target.node().plan(LOCK, Optional.of(target.name())).feasible());
        FailoverPlan plan = target.node().plan(LOCK, Optional.of(target.name()));
        assertTrue(plan.steps().stream().anyMatch(step -> step.contains("runs the release hook")), plan.render());
        long asked = System.nanoTime();
        holder.node().failover(LOCK, Optional.of(target.name())).get(30, TimeUnit.SECONDS);
        await().atMost(TTL.multipliedBy(2)).pollInterval(Duration.ofMillis(10)).until(target::live);
        System.out.println("warm standby switchover: request to the target's identity live (as polled) "
                + (System.nanoTime() - asked) / 1_000_000 + " ms");

        int released = indexOf("release-end", holder.name(), before);
        int verified = indexOf("verify", target.name(), before);
        int acquired = indexOf("acquire-begin", target.name(), before);
        assertTrue(released >= 0 && verified > released && acquired > verified,
                "release on the holder completes before the target's verify_released and acquire: " + lines());
        assertTrue(lines().get(acquired).contains("prev=" + holder.name()), lines().get(acquired));
        assertEquals(IdentityState.PASSIVE, holder.identity().state());
        // Both programs kept running: the same processes, no restart.
        assertEquals(holderPid, holder.programs().instanceId(PROGRAM));
        assertEquals(targetPid, target.programs().instanceId(PROGRAM));
        assertEquals(2, lines().stream().filter(l -> l.startsWith("spawn ")).count(), lines().toString());
        assertFalse(lines().stream().anyMatch(l -> l.startsWith("exit ")), lines().toString());
        assertEquals(0, a.identity().hookFailures() + b.identity().hookFailures());

        // The new holder's program restarts (by its policy): it comes back passive, so acquire runs again.
        target.programs().killBehindTheBack(PROGRAM);
        target.programs().start(PROGRAM, Map.of()).join();
        await().atMost(TTL).until(() -> count("acquire-end", target.name()) == 2 && target.live());
        assertEquals(IdentityState.PASSIVE, holder.identity().state());
    }

    /** Each host's identity state as the fleet view (read from etcd) shows it for the lock, by host. */
    private static Map<String, String> identities(List<HostInventory> fleetView) {
        Map<String, String> out = new TreeMap<>();
        for (HostInventory h : fleetView) {
            h.locks().stream().filter(l -> l.lock().equals(LOCK) && l.identity() != null)
                    .forEach(l -> out.put(h.host(), l.role() + " " + l.identity().state()));
        }
        return out;
    }

    @Test
    void theFleetShowsEachHostsIdentityAfterASwitchoverAndAConflictInWords() throws Exception {
        inventoryRefresh = Duration.ofMinutes(5); // only changes publish: an identity change must say so itself
        start("a", true, false);
        start("b", true, false);
        Host holder = awaitLiveHolder();
        Host target = other(holder);
        await().atMost(TTL.multipliedBy(2)).ignoreExceptions().until(() -> identities(target.node().fleet())
                .equals(Map.of(holder.name(), "HOLDER LIVE", target.name(), "STANDBY PASSIVE")));
        await().atMost(TTL.multipliedBy(2)).until(() -> target.node().plan(LOCK, Optional.of(target.name())).feasible());

        holder.node().failover(LOCK, Optional.of(target.name())).get(30, TimeUnit.SECONDS);
        await().atMost(TTL.multipliedBy(2)).ignoreExceptions().until(() -> identities(holder.node().fleet())
                .equals(Map.of(holder.name(), "STANDBY PASSIVE", target.name(), "HOLDER LIVE")));
        assertEquals(List.of(), FleetWarnings.of(holder.node().fleet()));

        // A third host says its identity is live too (a hook that lies, a host started by hand): the view says so.
        HostInventory rogue = new HostInventory("c", "0.1.0-test", List.of(), Map.of(), List.of(new LockInventory(LOCK,
                PROGRAM, LockRole.STANDBY, false, 0, new LockInventory.Identity("LIVE", 0, null), null)), null);
        ByteSequence rogueKey = ByteSequence.from((fleet.prefix + "hosts/c").getBytes());
        try (Client client = EtcdClients.connect(fleet.settings("c"))) {
            client.getKVClient().put(rogueKey, ByteSequence.from(Json.write(rogue))).get(5, TimeUnit.SECONDS);
            assertEquals(List.of("IDENTITY CONFLICT: lock " + LOCK + " may be live on " + target.name()
                    + " (LIVE) and c (LIVE)"), FleetWarnings.of(holder.node().fleet()));
            client.getKVClient().delete(rogueKey).get(5, TimeUnit.SECONDS);
        }

        // The holder's validator restarts and taking the identity again fails: the holder is not live, while its
        // role stays HOLDER (for up to a ttl, then it hands over). Only the identity's own change can publish that.
        touch(target.name() + ".fail-acquire");
        target.programs().killBehindTheBack(PROGRAM);
        target.programs().start(PROGRAM, Map.of()).join();
        await().atMost(TTL).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> FleetWarnings.of(
                holder.node().fleet()).equals(List.of("IDENTITY NOT LIVE: lock " + LOCK + " is held by " + target.name()
                + " but its identity there is FAILED (1 hook failure, last: acquire hook exit 1)")));
        await().atMost(TTL.multipliedBy(4)).until(holder::live); // handed back: the original holder is live again
    }

    @Test
    void aFailingReleaseStopsTheProgramBeforeTheOtherHostAcquires() throws Exception {
        start("a", false, false);
        start("b", false, false);
        Host holder = awaitLiveHolder();
        Host target = other(holder);
        await().atMost(TTL.multipliedBy(2)).until(() -> holder.node().plan(LOCK, Optional.of(target.name())).feasible());
        touch(holder.name() + ".fail-release");
        int before = lines().size();

        holder.node().failover(LOCK, Optional.of(target.name())).get(30, TimeUnit.SECONDS);
        await().atMost(TTL.multipliedBy(2)).until(target::live);

        int failed = indexOf("release-failed", holder.name(), before);
        int exited = indexOf("exit", holder.name(), before);
        int acquired = indexOf("acquire-begin", target.name(), before);
        assertTrue(failed >= 0 && exited > failed && acquired > exited,
                "the failed release is followed by the program's exit, and only then by the other's acquire: " + lines());
        assertFalse(holder.programs().isRunning(PROGRAM));
        IdentityStatus status = holder.identity();
        assertEquals(IdentityState.FENCED, status.state());
        assertEquals(1, status.hookFailures());
        assertTrue(status.lastFailure().contains("release hook exit 1"), status.lastFailure());
        // The fleet view, read on the other host, says which hook failed where.
        await().atMost(TTL).ignoreExceptions().until(() -> FleetWarnings.of(target.node().fleet()).equals(List.of(
                "IDENTITY FENCED: lock " + LOCK + " on " + holder.name() + " (1 hook failure, last: release hook exit 1:"
                        + " stopping " + PROGRAM + ")")));
    }

    @Test
    void aFailingAcquireReleasesTheLockWithTheErrorAndTheOtherHostTakesIt() throws Exception {
        touch("a.fail-acquire");
        Host a = start("a", false, false);
        await().atMost(TTL.multipliedBy(3)).until(() -> a.identity().hookFailures() >= 1);
        await().atMost(TTL).until(() -> a.node().status().locks().get(0).role() == LockRole.STANDBY);
        assertTrue(a.identity().lastFailure().contains("acquire hook exit 1"), a.identity().toString());
        assertTrue(a.node().status().locks().get(0).lastChange().contains("acquire hook exit 1"),
                a.node().status().locks().get(0).toString());
        // To be safe, the release hook ran after the failed acquire.
        await().until(() -> indexOf("release-end", "a", indexOf("acquire-failed", "a", 0)) > 0);

        Host b = start("b", false, false);
        await().atMost(TTL.multipliedBy(3)).until(b::live);
        assertEquals(IdentityState.PASSIVE, a.identity().state());
        assertTrue(a.programs().isRunning(PROGRAM), "a failed acquire does not stop the program");
    }

    /**
     * The acquire hook made the identity live (set-identity done) and then hung (a tower copy that never
     * ends): killed at its timeout, a failure; the release hook runs before the lock goes, so the other
     * host acquires only after this one released.
     */
    @Test
    void anAcquireHookThatHangsAfterGoingLiveIsReleasedBeforeTheOtherHostAcquires() throws Exception {
        touch("a.hang-acquire");
        Host a = start("a", false, false);
        await().atMost(TTL.multipliedBy(3)).until(() -> a.identity().hookFailures() >= 1);
        assertTrue(a.identity().lastFailure().contains("acquire hook timed out"), a.identity().toString());
        Files.delete(dir.resolve("a.hang-acquire"));
        Host b = start("b", false, false);
        await().atMost(TTL.multipliedBy(4)).until(() -> b.live() || a.live());
        int released = indexOf("release-end", "a", indexOf("acquire-begin", "a", 0));
        assertTrue(released > 0, lines().toString());
        if (b.live()) {
            assertTrue(indexOf("acquire-begin", "b", 0) > released, "b acquired after a released: " + lines());
        }
    }

    @Test
    void aSafeMomentCheckThatFailsRefusesTheSwitchoverAndTheDryRunChangesNothing() throws Exception {
        start("a", false, true);
        start("b", false, true);
        Host holder = awaitLiveHolder();
        Host target = other(holder);
        await().atMost(TTL.multipliedBy(2)).until(() -> holder.node().plan(LOCK, Optional.empty()).feasible());
        int before = lines().size();

        FailoverPlan dry = holder.node().plan(LOCK, Optional.empty());
        assertTrue(dry.feasible(), "a failing safe moment is waited for, not a reason to refuse the plan: " + dry.render());
        assertTrue(dry.steps().get(0).startsWith("safe moment: "), dry.render());
        assertTrue(dry.steps().get(0).contains("exit 1 now"), dry.render());
        FailoverPlan elsewhere = target.node().plan(LOCK, Optional.empty());
        assertFalse(elsewhere.feasible(), elsewhere.render());
        assertTrue(elsewhere.problems().stream().anyMatch(p -> p.contains("runs on its holder: ask " + holder.name())),
                elsewhere.render());

        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> holder.node().failover(LOCK, Optional.empty()).get(30, TimeUnit.SECONDS));
        assertTrue(refused.getCause().getMessage().contains("not a safe moment"), refused.getCause().getMessage());
        assertTrue(holder.live(), "the refused switchover changed nothing");
        assertEquals(-1, indexOf("release-begin", holder.name(), before), lines().toString());
        assertTrue(count("safe", holder.name()) >= 2, "the check was retried: " + lines());

        touch(holder.name() + ".safe");
        holder.node().failover(LOCK, Optional.empty()).get(30, TimeUnit.SECONDS);
        await().atMost(TTL.multipliedBy(2)).until(target::live);
    }

    @Test
    void aHolderThatLosesEtcdReleasesItsIdentityBeforeItsLeaseCanExpire() throws Exception {
        // A release that takes 1s: the fence must start early enough for it (the hook timeout is in the budget).
        touch("slow-release");
        start("a", false, false);
        start("b", false, false);
        Host holder = awaitLiveHolder();
        int before = lines().size();
        fleet.etcd.stop();
        long stopped = System.nanoTime();
        await().atMost(TTL).pollInterval(Duration.ofMillis(10))
                .until(() -> indexOf("release-end", holder.name(), before) >= 0);
        long seen = System.nanoTime(); // no earlier than the release's end
        long lastRenewal = holder.node().lastConfirmedRenewalNanos();
        assertTrue(lastRenewal < stopped);
        assertTrue(seen < lastRenewal + TTL.toNanos(), "released " + (seen - lastRenewal) / 1_000_000
                + " ms after the last confirmed renewal, ttl " + TTL.toMillis() + " ms");
        System.out.println("warm standby fenced: identity released by " + (seen - lastRenewal) / 1_000_000
                + " ms after the last confirmed renewal (ttl " + TTL.toMillis() + " ms)");
        // The hook wrote its last line before it exited: the agent sees the exit a moment later.
        await().atMost(TTL).until(() -> holder.identity().state() == IdentityState.PASSIVE);
        assertTrue(holder.programs().isRunning(PROGRAM), "a released identity leaves the program running");
        fleet.etcd.restart();
        awaitLiveHolder();
    }
}
