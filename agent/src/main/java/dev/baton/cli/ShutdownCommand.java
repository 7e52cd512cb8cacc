package dev.baton.cli;

import picocli.CommandLine.Command;

/**
 * {@code baton shutdown}: the agent stops every program and exits, as on SIGTERM. Under systemd
 * with {@code Restart=always} it comes back; {@code systemctl stop baton} is the lasting way.
 */
@Command(name = "shutdown", description = "Stop every program (reverse priority) and then the agent, as SIGTERM "
        + "does; returns once the agent took the request.", footer = {"",
        "Under systemd, the unit may start the agent again (Restart=); systemctl stop baton is the lasting way.",
        ExitCodes.HELP})
final class ShutdownCommand extends ClientCommand {
    @Override
    int run(ApiClient api) throws CliException {
        ApiClient.Answer a = api.post("/v1/shutdown");
        if (options.json) {
            printJson(a);
        } else {
            out().println(a.json().path("message").asText());
            out().flush();
        }
        return ExitCodes.OK;
    }
}
