package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code baton fleet}. */
@Command(name = "fleet", description = "Show every host of the etcd cluster in one table: its programs with their "
        + "versions, states and engine roles, then per engine group how many hosts are ready for its next version "
        + "(newest published, else newest waiting), builds that differ under one version, who holds each exclusive "
        + "lock and who is ready to take it over, each host's warm-standby identity state and failsafe part, and warnings "
        + "such as an identity live on two hosts. A host disappears when its lease expires.", footer = {"", ExitCodes.HELP})
final class FleetCommand extends ClientCommand {
    @Override
    int run(ApiClient api) throws CliException {
        ApiClient.Answer a = api.get("/v1/fleet");
        if (options.json) {
            printJson(a);
            return ExitCodes.OK;
        }
        print(a.json());
        out().flush();
        return ExitCodes.OK;
    }

    void print(JsonNode doc) {
        JsonNode hosts = doc.path("fleet");
        if (hosts.isEmpty()) {
            out().println("no host is registered in the cluster");
            return;
        }
        Table programs = new Table("HOST", "AGENT", "PROGRAM", "VERSION", "BUILD", "STATE", "ROLE", "UPDATED");
        Table locks = new Table("LOCK", "HOST", "ROLE", "READY", "TOKEN", "IDENTITY", "FAILSAFE");
        List<String> hookFailures = new ArrayList<>();
        List<String> releases = new ArrayList<>();
        boolean anyLock = false;
        for (JsonNode h : hosts) {
            String host = h.path("host").asText();
            if (h.path("programs").isEmpty()) {
                programs.row(host, text(h.path("agent_version")), "-", "-", "-", "-", "-", text(h.path("updated_at")));
            }
            for (JsonNode p : h.path("programs")) {
                programs.row(host, text(h.path("agent_version")), p.path("name").asText(), text(p.path("version")),
                        shortDigest(text(p.path("sha256"))), text(p.path("state")), text(p.path("role")),
                        text(h.path("updated_at")));
            }
            for (JsonNode l : h.path("locks")) {
                anyLock = true;
                long token = l.path("fencing_token").asLong();
                locks.row(l.path("lock").asText(), host, text(l.path("role")), l.path("ready").asBoolean() ? "yes" : "no",
                        token == 0 ? "-" : Long.toString(token), identity(l.path("identity")), failsafe(l.path("failsafe")));
                JsonNode identity = l.path("identity");
                if (identity.path("last_failure").isTextual() && !inWarnings(l)) {
                    long n = identity.path("hook_failures").asLong();
                    hookFailures.add(host + ", lock " + l.path("lock").asText() + ": " + n + " hook failure" + (n == 1 ? "" : "s")
                            + ", last: " + identity.path("last_failure").asText());
                }
            }
            h.path("group_releases").fields().forEachRemaining(e -> releases.add(host + ": " + e.getKey() + " "
                    + e.getValue().asText()));
        }
        programs.print(out());
        printReadiness(doc);
        if (anyLock) {
            out().println();
            locks.print(out());
            hookFailures.forEach(line -> out().println(TerminalText.escape("hook failures on " + line)));
        }
        for (JsonNode warning : doc.path("warnings")) {
            out().println(TerminalText.escape(warning.asText()));
        }
        if (!releases.isEmpty()) {
            out().println();
            out().println("releases seen: " + String.join(", ", releases));
        }
        out().println();
        out().println(hosts.size() + (hosts.size() == 1 ? " host" : " hosts"));
    }

    /** "chainflip: 38 of 40 hosts ready for 1.2.0 (published); not ready: h3, h7", then build drift. */
    private void printReadiness(JsonNode doc) {
        for (JsonNode g : doc.path("readiness")) {
            if (g.path("version").isTextual()) {
                String line = g.path("group").asText() + ": " + g.path("ready").asInt() + " of " + g.path("hosts").asInt()
                        + " hosts ready for " + g.path("version").asText() + " (" + g.path("basis").asText() + ")";
                List<String> notReady = new ArrayList<>();
                g.path("not_ready").forEach(h -> notReady.add(h.asText()));
                out().println(notReady.isEmpty() ? line : line + "; not ready: " + String.join(", ", notReady));
            }
        }
        for (JsonNode d : doc.path("drift")) {
            List<String> builds = new ArrayList<>();
            d.path("hosts_by_digest").fields().forEachRemaining(e -> {
                List<String> hosts = new ArrayList<>();
                e.getValue().forEach(h -> hosts.add(h.asText()));
                builds.add(shortDigest(e.getKey()) + " on " + String.join(", ", hosts));
            });
            out().println("BUILD DRIFT: " + d.path("program").asText() + " " + d.path("version").asText() + " runs "
                    + builds.size() + " different binaries: " + String.join("; ", builds));
        }
    }

    /** Whether a warning names this identity's last failure already (FleetWarnings: FAILED, FENCED, a holder not LIVE). */
    private static boolean inWarnings(JsonNode lock) {
        String state = lock.path("identity").path("state").asText();
        return state.equals("FAILED") || state.equals("FENCED") || "HOLDER".equals(lock.path("role").asText()) && !state.equals("LIVE");
    }

    /** "LIVE", or "FENCED (1 hook failure)"; "-" without identity hooks. */
    private static String identity(JsonNode identity) {
        if (!identity.path("state").isTextual()) {
            return "-";
        }
        long failures = identity.path("hook_failures").asLong();
        return identity.path("state").asText() + (failures == 0 ? "" : " (" + failures + " hook failure" + (failures == 1 ? "" : "s") + ")");
    }

    /** A holder's members or its time on promises, the last episode on promises; "on" for a member; "-" when off. */
    private static String failsafe(JsonNode failsafe) {
        if (!failsafe.isObject()) {
            return "-";
        }
        List<String> parts = new ArrayList<>();
        if (failsafe.path("on_promises_since").isTextual()) {
            parts.add("ON PROMISES since " + failsafe.path("on_promises_since").asText() + " ("
                    + failsafe.path("confirmations").asInt() + " promised)");
        } else if (failsafe.path("members").isArray()) {
            List<String> members = new ArrayList<>();
            failsafe.path("members").forEach(m -> members.add(m.asText()));
            parts.add("members " + (members.isEmpty() ? "none" : String.join(",", members)));
        }
        if (failsafe.path("last_on_promises").isTextual()) {
            parts.add("last on promises " + failsafe.path("last_on_promises").asText());
        }
        return parts.isEmpty() ? "on" : String.join("; ", parts);
    }

    /** The first 12 hex digits, as git shortens a commit: enough to tell builds apart in a table. */
    private static String shortDigest(String sha256) {
        return sha256.length() > 12 ? sha256.substring(0, 12) : sha256;
    }

    private static String text(JsonNode n) {
        return n.isMissingNode() || n.isNull() || n.asText().isEmpty() ? "-" : n.asText();
    }
}
