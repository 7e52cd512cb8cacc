package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code baton fleet} as text, from a fleet document (pure formatting; the document: ClusterAgentTest). */
class FleetViewTest {
    @Test
    void buildsReadinessAndDriftShow() throws Exception {
        String a = "a".repeat(64);
        String b = "b".repeat(64);
        String doc = """
                {"hosts": 2, "fleet": [
                  {"host": "h1", "agent_version": "0.1.0", "updated_at": "2026-12-02T09:13:00.000Z", "locks": [],
                   "group_releases": {}, "group_published": {"chainflip": "1.2.0"},
                   "programs": [{"name": "cfe-1-1", "version": "1.1.0", "state": "RUNNING", "role": "ACTIVE",
                                 "group": "chainflip", "sha256": "%s"},
                                {"name": "cfe-1-2", "version": "1.2.0", "state": "RUNNING", "role": "WAITING",
                                 "group": "chainflip", "sha256": "%s"}]},
                  {"host": "h2", "agent_version": "0.1.0", "updated_at": "2026-12-02T09:13:00.000Z", "locks": [],
                   "group_releases": {}, "group_published": {},
                   "programs": [{"name": "cfe-1-1", "version": "1.1.0", "state": "RUNNING", "role": "ACTIVE",
                                 "group": "chainflip", "sha256": "%s"}]}],
                 "readiness": [{"group": "chainflip", "version": "1.2.0", "basis": "published", "hosts": 2, "ready": 1,
                                "not_ready": ["h2"]}],
                 "drift": [{"program": "cfe-1-1", "version": "1.1.0", "hosts_by_digest": {"%s": ["h1"], "%s": ["h2"]}}]}
                """.formatted(a, b, b, a, b);
        FleetCommand fleet = new FleetCommand();
        StringWriter out = new StringWriter();
        fleet.writers(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        fleet.print(new ObjectMapper().readTree(doc));
        fleet.out().flush();
        String text = out.toString();
        assertTrue(text.matches("(?s)HOST +AGENT +PROGRAM +VERSION +BUILD +STATE +ROLE +UPDATED\n.*"), text);
        assertTrue(text.contains("h1    0.1.0  cfe-1-1  1.1.0    aaaaaaaaaaaa  RUNNING"), text);
        assertTrue(text.contains("\nchainflip: 1 of 2 hosts ready for 1.2.0 (published); not ready: h2\n"), text);
        assertTrue(text.contains("\nBUILD DRIFT: cfe-1-1 1.1.0 runs 2 different binaries: aaaaaaaaaaaa on h1; "
                + "bbbbbbbbbbbb on h2\n"), text);
        assertEquals(1, text.split("BUILD DRIFT").length - 1);
    }

    /** The lock table with each host's identity and failsafe part, and the warnings of the document, in words. */
    @Test
    void identitiesFailsafeAndWarningsShowUnderTheLockTable() throws Exception {
        String doc = """
                {"hosts": 3, "readiness": [], "drift": [], "fleet": [
                  {"host": "a", "agent_version": "0.1.0", "programs": [], "locks": [
                    {"lock": "validator", "program": "agave", "role": "HOLDER", "ready": true, "fencing_token": 7,
                     "identity": {"state": "LIVE", "hook_failures": 2, "last_failure": "verify_released did not pass"},
                     "failsafe": {"members": ["b", "c"], "on_promises_since": null, "confirmations": 0,
                                  "last_on_promises": "2026-12-02T03:01:00Z to 2026-12-02T03:01:40Z"}}]},
                  {"host": "b", "agent_version": "0.1.0", "programs": [], "locks": [
                    {"lock": "validator", "program": "agave", "role": "STANDBY", "ready": true, "fencing_token": 0,
                     "identity": {"state": "FENCED", "hook_failures": 1,
                                  "last_failure": "release hook exit 1: stopping agave"},
                     "failsafe": {"members": null, "on_promises_since": null, "confirmations": 0,
                                  "last_on_promises": null}}]},
                  {"host": "c", "agent_version": "0.0.9", "programs": [], "locks": [
                    {"lock": "validator", "program": "agave", "role": "STANDBY", "ready": false, "fencing_token": 0}]}],
                 "warnings": ["IDENTITY CONFLICT: lock validator may be live on a (LIVE) and d (RELEASING)",
                              "IDENTITY FENCED: lock validator on b (1 hook failure, last: release hook exit 1: stopping agave)"]}
                """;
        FleetCommand fleet = new FleetCommand();
        StringWriter out = new StringWriter();
        fleet.writers(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        fleet.print(new ObjectMapper().readTree(doc));
        fleet.out().flush();
        String text = out.toString();
        assertTrue(text.contains("""
                LOCK       HOST  ROLE     READY  TOKEN  IDENTITY                 FAILSAFE
                validator  a     HOLDER   yes    7      LIVE (2 hook failures)   members b,c; last on promises \
                2026-12-02T03:01:00Z to 2026-12-02T03:01:40Z
                validator  b     STANDBY  yes    -      FENCED (1 hook failure)  on
                validator  c     STANDBY  no     -      -                        -
                hook failures on a, lock validator: 2 hook failures, last: verify_released did not pass
                IDENTITY CONFLICT: lock validator may be live on a (LIVE) and d (RELEASING)
                IDENTITY FENCED: lock validator on b (1 hook failure, last: release hook exit 1: stopping agave)
                """), text);
    }
}
