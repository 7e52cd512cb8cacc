package dev.baton.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton maintail [-n N]}: supervisorctl's, the agent's own newest log lines. */
@Command(name = "maintail", description = "Print the agent's own newest log lines (it keeps the last 500; "
        + "journalctl -u baton has them all).", footer = {"", ExitCodes.HELP})
final class MaintailCommand extends ClientCommand {
    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "100", description = "How many (default: 100).")
    int lines;

    @Override
    int run(ApiClient api) throws CliException {
        if (lines < 0) {
            throw new CliException(ExitCodes.USAGE, "-n must not be negative");
        }
        ApiClient.Answer a = api.get("/v1/agent/log?lines=" + lines);
        if (options.json) {
            printJson(a);
            return ExitCodes.OK;
        }
        a.json().path("lines").forEach(l -> out().println(TerminalText.escape(l.path("time").asText() + " "
                + String.format("%-5s", l.path("level").asText()) + " " + l.path("text").asText())));
        out().flush();
        return ExitCodes.OK;
    }
}
