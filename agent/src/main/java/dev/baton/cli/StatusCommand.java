package dev.baton.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton status [NAME]}. */
@Command(name = "status", description = "Show every program (program, group, version, role, state, pid, uptime, "
        + "restarts, last exit) and each engine group.", footer = {"", ExitCodes.HELP})
final class StatusCommand extends ClientCommand {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this program.")
    String name;

    /**
     * {@code status [NAME] [--url URL] [--json]}, the common operator's call, without building
     * picocli's model of every command (its reflection is most of a client's start: picocli's
     * classes are too old for the CDS archive). Anything else, help and mistakes included,
     * returns null and goes through picocli as usual.
     */
    static Integer runDirectly(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length == 0 || !args[0].equals("status")) {
            return null;
        }
        StatusCommand status = new StatusCommand();
        status.options = new ClientOptions();
        status.options.config = new ConfigOption();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--json")) {
                status.options.json = true;
            } else if (arg.equals("--url") && i + 1 < args.length && !args[i + 1].startsWith("-")) {
                status.options.url = args[++i];
            } else if (arg.startsWith("--url=")) {
                status.options.url = arg.substring("--url=".length());
            } else if (!arg.startsWith("-") && status.name == null) {
                status.name = arg;
            } else {
                return null;
            }
        }
        status.writers(out, err);
        return status.call();
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
