package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton reload}. */
@Command(name = "reload", description = "Re-read the agent's config files and apply the difference: added programs "
        + "start, removed ones stop, changed ones restart, the others are not touched. An invalid config changes "
        + "nothing (exit 1, with each problem), and so does one that would remove every program unless --force.", footer = {"", ExitCodes.HELP})
final class ReloadCommand extends ClientCommand {
    @Option(names = "--force", description = "Apply a config that removes every program (stopping them all).")
    boolean force;

    @Override
    int run(ApiClient api) throws CliException {
        return reload(this, api, force);
    }

    /** Reloads and prints what changed, or the problems of a refused config; exit 0 or 1. */
    static int reload(ClientCommand c, ApiClient api, boolean force) throws CliException {
        return report(c, api.post(force ? "/v1/reload?force=true" : "/v1/reload"), "reloaded: ",
                "reload refused, nothing changed:");
    }

    static int report(ClientCommand c, ApiClient.Answer a, String done, String refused) {
        JsonNode r = a.json();
        if (c.options.json) {
            c.printJson(a);
        } else if (r.path("ok").asBoolean()) {
            c.out().println(done + summary(r));
            r.path("not_applied").forEach(n -> c.out().println("  not applied: " + n.asText()));
        } else {
            c.out().println(refused);
            r.path("problems").forEach(p -> c.out().println("  " + p.asText()));
        }
        c.out().flush();
        return r.path("ok").asBoolean() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** e.g. {@code added web; changed engine; 3 unchanged}. */
    static String summary(JsonNode r) {
        List<String> parts = new ArrayList<>();
        for (String kind : List.of("added", "removed", "changed")) {
            List<String> names = new ArrayList<>();
            r.path(kind).forEach(n -> names.add(n.asText()));
            if (!names.isEmpty()) {
                parts.add(kind + " " + String.join(", ", names));
            }
        }
        parts.add(r.path("unchanged").size() + " unchanged");
        return String.join("; ", parts);
    }
}
