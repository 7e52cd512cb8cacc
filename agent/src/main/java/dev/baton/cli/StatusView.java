package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;

/**
 * {@code baton status} as text, from the API's status document: a table of programs, a line per
 * engine group, then a note for each program with an error or a hold.
 */
final class StatusView {
    private StatusView() {
    }

    static void print(JsonNode status, PrintWriter out) {
        Table t = new Table("PROGRAM", "GROUP", "VERSION", "ROLE", "STATE", "PID", "UPTIME", "RESTARTS", "LAST EXIT");
        for (JsonNode p : status.path("programs")) {
            boolean up = p.path("pid").asInt() > 0;
            t.row(p.path("name").asText(), text(p, "group"), text(p, "version"), text(p, "role"),
                    p.path("state").asText(), up ? p.path("pid").asText() : "-",
                    up ? duration(p.path("uptime_seconds").asLong()) : "-", p.path("restarts").asText(),
                    p.path("last_exit").isObject() ? p.path("last_exit").path("text").asText() : "-");
        }
        t.print(out);
        for (JsonNode g : status.path("groups")) {
            out.println(TerminalText.escape(group(g)));
        }
        for (JsonNode p : status.path("programs")) {
            if (!p.path("last_error").isNull() && !p.path("last_error").isMissingNode()) {
                out.println(TerminalText.escape(p.path("name").asText() + ": " + p.path("last_error").asText()));
            }
            if (!p.path("hold").isNull() && !p.path("hold").isMissingNode()) {
                out.println(TerminalText.escape(p.path("name").asText() + ": held: " + p.path("hold").asText()));
            }
        }
        JsonNode api = status.path("api").path("problem");
        if (api.isTextual()) {
            out.println(TerminalText.escape("agent: api: " + api.asText()));
        }
        JsonNode problem = status.path("agent").path("state_problem");
        if (problem.isTextual()) {
            out.println("agent: state problem: " + problem.asText());
        }
    }

    /** e.g. {@code group chainflip: release seen 1.3, active 1.2.1, upgrade ready, last handover ...}. */
    static String group(JsonNode g) {
        StringBuilder s = new StringBuilder("group ").append(g.path("name").asText()).append(": release seen ")
                .append(text(g, "release")).append(", active ").append(text(g, "active"))
                .append(g.path("upgrade_ready").asBoolean() ? ", upgrade ready" : ", no upgrade waiting");
        if (g.path("next").isTextual()) {
            s.append(" (next ").append(g.path("next").asText()).append(')');
        }
        if (g.path("last_handover").isTextual()) {
            s.append(", last handover ").append(g.path("last_handover").asText());
        }
        s.append(published(g.path("published")));
        if (g.path("error").isTextual()) {
            s.append("; ERROR: ").append(g.path("error").asText());
        }
        return s.toString();
    }

    /** e.g. {@code , published 1.3.0 (not installed)}; empty when the group names no release source. */
    private static String published(JsonNode p) {
        if (!p.isObject()) {
            return "";
        }
        String standing = p.path("ready").asBoolean() ? "ready"
                : p.path("installed").asBoolean() ? "installed, not running or waiting" : "not installed";
        String version = p.path("version").isTextual() ? p.path("version").asText() + " (" + standing + ")" : "not read yet";
        return ", published " + version + (p.path("problem").isTextual() ? " [source failing: " + p.path("problem").asText() + "]" : "");
    }

    /** {@code 42s}, {@code 5m12s}, {@code 2h05m}, {@code 3d04h}. */
    static String duration(long seconds) {
        long d = seconds / 86_400, h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60;
        if (d > 0) {
            return d + "d" + String.format("%02dh", h);
        }
        if (h > 0) {
            return h + "h" + String.format("%02dm", m);
        }
        return m > 0 ? m + "m" + String.format("%02ds", s) : s + "s";
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() || v.asText().isEmpty() ? "-" : v.asText();
    }
}
