package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code baton status [NAME...]}: exits 3, as supervisorctl does, when a program shown is not in
 * the state the agent wants it in (the agent judges: {@code GET /v1/status/off-target}).
 */
@Command(name = "status", description = "Show every program (program, group, version, role, state, pid, uptime, "
        + "restarts, last exit) and each engine group.", footer = {"",
        "Exit 3 when a program shown is not in the state the agent wants it in: it should run and does not, it is "
                + "FATAL, or it is held for another reason than an idle engine or a cluster lock (supervisorctl's "
                + "convention; exit 3 also means the agent is not running).",
        ExitCodes.HELP})
final class StatusCommand extends ClientCommand {
    @Parameters(arity = "0..*", paramLabel = "NAME", description = "Only these: a program, an engine group, or GROUP:*.")
    List<String> names = new ArrayList<>();

    @Override
    boolean takeNames(List<String> given) {
        names = given;
        return true;
    }

    @Override
    int run(ApiClient api) throws CliException {
        // One program's name keeps its document (--json); a group's name, or several, filter the status.
        List<String> shown = names.size() == 1 && !names.get(0).endsWith(":*") ? single(api, names.get(0)) : null;
        if (shown == null) {
            shown = several(api);
        }
        JsonNode off = api.get("/v1/status/off-target").json().path("programs");
        return shown.stream().anyMatch(off::has) ? ExitCodes.NOT_RUNNING : ExitCodes.OK;
    }

    /** One program by name, as {@code GET /v1/programs/NAME} has it; null when it is a group's name. */
    private List<String> single(ApiClient api, String name) throws CliException {
        ApiClient.Answer one;
        try {
            one = api.get(programPath(name));
        } catch (CliException e) {
            if (e.exitCode() == ExitCodes.NOT_FOUND) {
                return null; // an engine group's name, or nothing: resolved (and reported) with the status
            }
            throw e;
        }
        if (options.json) {
            printJson(one);
        } else {
            ObjectNode doc = JsonNodeFactory.instance.objectNode();
            doc.putArray("programs").add(one.json());
            StatusView.print(doc, out());
            out().flush();
        }
        return List.of(name);
    }

    private List<String> several(ApiClient api) throws CliException {
        ApiClient.Answer all = api.get("/v1/status");
        if (names.isEmpty()) {
            if (options.json) {
                printJson(all);
            } else {
                StatusView.print(all.json(), out());
                out().flush();
            }
            List<String> every = new ArrayList<>();
            all.json().path("programs").forEach(p -> every.add(p.path("name").asText()));
            return every;
        }
        ProgramSelection selection = ProgramSelection.resolve(names, all.json());
        ObjectNode doc = ((ObjectNode) all.json()).deepCopy();
        ArrayNode programs = doc.putArray("programs");
        all.json().path("programs").forEach(p -> {
            if (selection.programs().contains(p.path("name").asText())) {
                programs.add(p);
            }
        });
        ArrayNode groups = doc.putArray("groups");
        all.json().path("groups").forEach(g -> {
            if (selection.groups().contains(g.path("name").asText())) {
                groups.add(g);
            }
        });
        if (options.json) {
            out().println(doc.toString());
        } else {
            StatusView.print(doc, out());
        }
        out().flush();
        return selection.programs();
    }
}
