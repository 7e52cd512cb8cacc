package dev.baton.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton status [NAME]}. */
@Command(name = "status", description = "Show every program (program, group, version, role, state, pid, uptime, "
        + "restarts, last exit) and each engine group.", footer = {"", ExitCodes.HELP})
final class StatusCommand extends ClientCommand {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this program.")
    String name;

    @Override
    boolean takeNames(List<String> names) {
        name = names.isEmpty() ? null : names.get(0);
        return names.size() <= 1;
    }

    @Override
    int run(ApiClient api) throws CliException {
        if (name != null) {
            ApiClient.Answer one = api.get(programPath(name));
            if (options.json) {
                printJson(one);
            } else {
                ObjectNode doc = JsonNodeFactory.instance.objectNode();
                doc.putArray("programs").add(one.json());
                StatusView.print(doc, out());
                out().flush();
            }
            return ExitCodes.OK;
        }
        ApiClient.Answer all = api.get("/v1/status");
        if (options.json) {
            printJson(all);
        } else {
            StatusView.print(all.json(), out());
            out().flush();
        }
        return ExitCodes.OK;
    }
}
