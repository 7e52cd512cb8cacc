package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton pid [NAME]}: supervisorctl's, the agent's pid or a program's (0 when it has no process). */
@Command(name = "pid", description = "Print the agent's pid, or with NAME the program's (0 when it has no process).",
        footer = {"", ExitCodes.HELP})
final class PidCommand extends ClientCommand {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "The program.")
    String name;

    @Override
    int run(ApiClient api) throws CliException {
        ApiClient.Answer a = api.get(name == null ? "/v1/status" : programPath(name));
        if (options.json) {
            printJson(a); // the status document (the agent's pid under agent), or the program's
            return ExitCodes.OK;
        }
        JsonNode pid = name == null ? a.json().path("agent").path("pid") : a.json().path("pid");
        out().println(pid.asLong());
        out().flush();
        return ExitCodes.OK;
    }
}
