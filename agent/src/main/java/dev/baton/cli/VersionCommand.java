package dev.baton.cli;

import picocli.CommandLine.Command;

/**
 * {@code baton version}: this client's version and the running agent's, which differ after a
 * package upgrade until the agent restarts. The client's is printed even when no agent answers.
 */
@Command(name = "version", description = "Print this client's version and the running agent's.",
        footer = {"", ExitCodes.HELP})
final class VersionCommand extends ClientCommand {
    @Override
    int run(ApiClient api) throws CliException {
        if (options.json) {
            printJson(api.get("/healthz")); // the agent's version, uptime and status
            return ExitCodes.OK;
        }
        out().println("client " + Main.Version.get());
        out().flush();
        out().println("agent  " + api.get("/healthz").json().path("version").asText());
        out().flush();
        return ExitCodes.OK;
    }
}
