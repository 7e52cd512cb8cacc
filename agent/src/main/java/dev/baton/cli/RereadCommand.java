package dev.baton.cli;

import picocli.CommandLine.Command;

/** {@code baton reread}: supervisorctl's, what a reload would change; nothing is applied. */
@Command(name = "reread", description = "Show what a reload would change (programs added, removed, changed), from the "
        + "config files as they are now; nothing is applied. A config a reload would refuse: exit 1, with each problem.",
        footer = {"", ExitCodes.HELP})
final class RereadCommand extends ClientCommand {
    @Override
    int run(ApiClient api) throws CliException {
        return ReloadCommand.report(this, api.get("/v1/reload/preview"), "a reload would change: ",
                "a reload would be refused:");
    }
}
