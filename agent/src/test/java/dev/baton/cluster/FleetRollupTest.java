package dev.baton.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fleet's readiness for the next version and its build drift, from inventories alone. */
class FleetRollupTest {
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);

    private static ProgramInventory engine(String name, String version, String role, String sha) {
        return new ProgramInventory(name, version, "RUNNING", role, "chainflip", sha);
    }

    private static HostInventory host(String name, Map<String, String> published, ProgramInventory... programs) {
        return new HostInventory(name, "0.1.0", List.of(programs), Map.of(), List.of(), null, published);
    }

    @Test
    void fortyHostsThirtyEightReadyForThePublishedRelease() {
        List<HostInventory> fleet = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            String name = String.format("h%02d", i);
            Map<String, String> published = i == 1 ? Map.of("chainflip", "1.2.0") : Map.of(); // one host tracks releases
            if (i == 7) {
                fleet.add(host(name, published, engine("cfe-1.1", "1.1.4", "ACTIVE", A))); // nothing staged
            } else if (i == 9) {
                fleet.add(host(name, published, engine("cfe-1.1", "1.1.4", "ACTIVE", A),
                        new ProgramInventory("cfe-1.2", "1.2.0", "FATAL", "ERROR", "chainflip", null))); // installed, broken
            } else {
                fleet.add(host(name, published, engine("cfe-1.1", "1.1.4", "ACTIVE", A),
                        engine("cfe-1.2", i == 12 ? "1.2.1" : "1.2.0", "WAITING", A)));
            }
        }
        fleet.add(host("db", Map.of(), new ProgramInventory("postgres", null, "RUNNING", null)));
        assertEquals(List.of(new FleetReadiness.Group("chainflip", "1.2.0", "published", 40, 38, List.of("h07", "h09"))),
                FleetReadiness.of(fleet));
    }

    @Test
    void withoutAReleaseSourceTheNewestWaitingVersionIsTheTarget() {
        List<HostInventory> fleet = List.of(
                host("h1", null, engine("cfe-1.1", "1.1.4", "ACTIVE", A), engine("cfe-1.2", "1.2.0", "waiting", A)),
                host("h2", null, engine("cfe-1.1", "1.1.4", "ACTIVE", A)));
        assertEquals(List.of(new FleetReadiness.Group("chainflip", "1.2.0", "waiting", 2, 1, List.of("h2"))),
                FleetReadiness.of(fleet));
        List<HostInventory> steady = List.of(host("h1", null, engine("cfe-1.1", "1.1.4", "ACTIVE", A)));
        assertEquals(List.of(new FleetReadiness.Group("chainflip", null, null, 1, 0, List.of("h1"))),
                FleetReadiness.of(steady));
    }

    @Test
    void twoHostsOnOneVersionWithDifferentBuildsAreDrift() {
        List<HostInventory> fleet = List.of(
                host("h1", null, engine("cfe-1.1", "1.1.0", "ACTIVE", A)),
                host("h2", null, engine("cfe-1.1", "1.1.0", "ACTIVE", B)),
                host("h3", null, engine("cfe-1.1", "1.1.0", "ACTIVE", A), engine("cfe-1.2", "1.2.0", "WAITING", B)),
                host("h4", null, engine("cfe-1.1", "1.1.0", "STOPPED", null)));
        assertEquals(List.of(new BuildDrift.Drift("cfe-1.1", "1.1.0", Map.of(A, List.of("h1", "h3"), B, List.of("h2")))),
                BuildDrift.of(fleet));
        assertEquals(List.of(), BuildDrift.of(List.of(fleet.get(0), fleet.get(2))));
    }

    private static HostInventory locking(String name, LockRole role, String identity, String lastFailure,
                                         LockInventory.Failsafe failsafe) {
        LockInventory.Identity id = identity == null ? null
                : new LockInventory.Identity(identity, lastFailure == null ? 0 : 1, lastFailure);
        return new HostInventory(name, "0.1.0", List.of(), Map.of(),
                List.of(new LockInventory("validator", "agave", role, true, role == LockRole.HOLDER ? 7 : 0, id, failsafe)),
                null);
    }

    @Test
    void identityWarningsNameTheLockTheHostsAndTheirStates() {
        // A switchover in its steady states: one LIVE holder, a passive standby, a verifying one. Nothing to say.
        assertEquals(List.of(), FleetWarnings.of(List.of(locking("a", LockRole.HOLDER, "LIVE", null, null),
                locking("b", LockRole.STANDBY, "PASSIVE", null, null),
                locking("c", LockRole.STARTING, "VERIFYING", null, null),
                locking("old", LockRole.STANDBY, null, null, null)))); // an agent without identity hooks or before them
        assertEquals(List.of("IDENTITY CONFLICT: lock validator may be live on a (LIVE) and b (RELEASING)"),
                FleetWarnings.of(List.of(locking("a", LockRole.HOLDER, "LIVE", null, null),
                        locking("b", LockRole.STANDBY, "RELEASING", null, null))));
        assertEquals(List.of("IDENTITY NOT LIVE: lock validator is held by a but its identity there is FAILED"
                        + " (1 hook failure, last: acquire hook exit 1)",
                        "IDENTITY FENCED: lock validator on b (1 hook failure, last: release hook exit 1: stopping agave)"),
                FleetWarnings.of(List.of(locking("a", LockRole.HOLDER, "FAILED", "acquire hook exit 1", null),
                        locking("b", LockRole.STANDBY, "FENCED", "release hook exit 1: stopping agave", null))));
        assertEquals(List.of("FAILSAFE: lock validator holder a runs on its members' promises since 2026-12-02T03:00:00Z"
                        + " (etcd unreachable)"),
                FleetWarnings.of(List.of(locking("a", LockRole.HOLDER, null, null,
                        new LockInventory.Failsafe(List.of("b"), "2026-12-02T03:00:00Z", 1, null)))));
    }

    @Test
    void aLongLastFailureIsCutForTheInventory() {
        IdentityStatus status = new IdentityStatus("validator", "agave", IdentityState.PASSIVE, 3, "x".repeat(500));
        LockInventory.Identity published = LockInventory.Identity.of(status);
        assertEquals(LockInventory.FAILURE_CHARS, published.lastFailure().length());
        assertEquals(new LockInventory.Identity("PASSIVE", 3, null),
                LockInventory.Identity.of(new IdentityStatus("validator", "agave", IdentityState.PASSIVE, 3, null)));
    }
}
