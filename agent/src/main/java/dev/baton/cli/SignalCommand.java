package dev.baton.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton signal SIG NAME|all}. */
@Command(name = "signal", description = "Send a signal to a program's process group (or to every running program).",
        footer = {"", "SIG is a name (HUP, SIGHUP) or a number. Signalling a program that is not running is exit 1.",
                ExitCodes.HELP})
final class SignalCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "SIG", description = "The signal, e.g. HUP, USR1, TERM, 10.")
    String signal;

    @Parameters(index = "1", paramLabel = "NAME", description = "A program, or 'all'.")
    String name;

    @Override
    int run(ApiClient api) throws CliException {
        return reportAction(api.post(programPath(name) + "/signal?signal="
                + URLEncoder.encode(signal, StandardCharsets.UTF_8)));
    }
}
