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
 * {@code baton start|stop|restart NAME...|all}: waits until the agent has done it, one program
 * after the other in the order given (a group's engines in the status's order).
 */
abstract class ProgramActionCommand extends ClientCommand {
    @Parameters(arity = "1..*", paramLabel = "NAME", description = "A program, an engine group, GROUP:*, or 'all'.")
    List<String> names = new ArrayList<>();

    /** The route's last segment: start, stop or restart. */
    abstract String action();

    @Override
    boolean takeNames(List<String> given) {
        names = given;
        return !given.isEmpty();
    }

    @Override
    int run(ApiClient api) throws CliException {
        if (names.size() == 1 && (names.get(0).equals("all") || !names.get(0).endsWith(":*"))) {
            try {
                return reportAction(api.post(programPath(names.get(0)) + "/" + action()));
            } catch (CliException e) {
                if (e.exitCode() != ExitCodes.NOT_FOUND || names.get(0).equals("all")) {
                    throw e;
                }
                // perhaps an engine group's name: resolved (and reported) below
            }
        }
        List<String> programs = ProgramSelection.resolve(names, api.get("/v1/status").json()).programs();
        boolean ok = true;
        ArrayNode answers = JsonNodeFactory.instance.arrayNode();
        for (String program : programs) {
            JsonNode r = api.post(programPath(program) + "/" + action()).json();
            ok &= r.path("ok").asBoolean();
            if (options.json) {
                answers.add(r);
            } else {
                out().println(r.path("message").asText());
                out().flush();
            }
        }
        if (options.json) {
            ObjectNode doc = JsonNodeFactory.instance.objectNode();
            doc.put("ok", ok);
            doc.set("results", answers);
            out().println(doc.toString());
            out().flush();
        }
        return ok ? ExitCodes.OK : ExitCodes.FAILED;
    }

    @Command(name = "start", description = "Start programs (or all) and wait until each is RUNNING or failed to start.",
            footer = {"", ExitCodes.HELP})
    static final class Start extends ProgramActionCommand {
        @Override
        String action() {
            return "start";
        }
    }

    @Command(name = "stop", description = "Stop programs (or all) and wait until their processes are gone; "
            + "they stay stopped across agent restarts until started.", footer = {"", ExitCodes.HELP})
    static final class Stop extends ProgramActionCommand {
        @Override
        String action() {
            return "stop";
        }
    }

    @Command(name = "restart", description = "Stop, then start programs (or all), and wait until each is RUNNING.",
            footer = {"", ExitCodes.HELP})
    static final class Restart extends ProgramActionCommand {
        @Override
        String action() {
            return "restart";
        }
    }
}
