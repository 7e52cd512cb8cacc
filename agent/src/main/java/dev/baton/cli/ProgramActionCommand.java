package dev.baton.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton start|stop|restart NAME|all}: waits until the agent has done it. */
abstract class ProgramActionCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "A program, or 'all'.")
    String name;

    /** The route's last segment: start, stop or restart. */
    abstract String action();

    @Override
    boolean takeNames(List<String> names) {
        name = names.isEmpty() ? null : names.get(0);
        return names.size() == 1;
    }

    @Override
    int run(ApiClient api) throws CliException {
        return reportAction(api.post(programPath(name) + "/" + action()));
    }

    @Command(name = "start", description = "Start a program (or all) and wait until it is RUNNING or failed to start.",
            footer = {"", ExitCodes.HELP})
    static final class Start extends ProgramActionCommand {
        @Override
        String action() {
            return "start";
        }
    }

    @Command(name = "stop", description = "Stop a program (or all) and wait until its processes are gone; "
            + "it stays stopped across agent restarts until started.", footer = {"", ExitCodes.HELP})
    static final class Stop extends ProgramActionCommand {
        @Override
        String action() {
            return "stop";
        }
    }

    @Command(name = "restart", description = "Stop, then start a program (or all), and wait until it is RUNNING.",
            footer = {"", ExitCodes.HELP})
    static final class Restart extends ProgramActionCommand {
        @Override
        String action() {
            return "restart";
        }
    }
}
