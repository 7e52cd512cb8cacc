package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code baton update [NAME...]}: supervisorctl's. Without names, a reload. With names: baton
 * applies a config as a whole, so it reloads only when the change touches no other program, and
 * otherwise says which others it would touch and applies nothing.
 */
@Command(name = "update", description = "Apply the config files' changes (a reload). With NAME: only when the change "
        + "touches no other program (baton applies a config as a whole); otherwise it names the others, applies "
        + "nothing and exits 1.", footer = {"", ExitCodes.HELP})
final class UpdateCommand extends ClientCommand {
    @Parameters(arity = "0..*", paramLabel = "NAME", description = "The programs whose change to apply.")
    List<String> names = new ArrayList<>();

    @Override
    int run(ApiClient api) throws CliException {
        if (names.isEmpty()) {
            return ReloadCommand.reload(this, api, false);
        }
        JsonNode preview = api.get("/v1/reload/preview").json();
        if (!preview.path("ok").asBoolean()) {
            return ReloadCommand.reload(this, api, false); // refused: the reload says why, and changes nothing
        }
        List<String> others = new ArrayList<>();
        for (String kind : List.of("added", "removed", "changed")) {
            preview.path(kind).forEach(n -> {
                if (!names.contains(n.asText())) {
                    others.add(n.asText() + " (" + kind + ")");
                }
            });
        }
        if (!others.isEmpty()) {
            throw new CliException(ExitCodes.FAILED, "nothing applied: the config files also change " + String.join(", ",
                    others) + ", and baton applies a config as a whole; 'baton update' (no name) applies every change");
        }
        // The files could change between the preview and the reload; the reload's answer says what it did.
        return ReloadCommand.reload(this, api, false);
    }
}
