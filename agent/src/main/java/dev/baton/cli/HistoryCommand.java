package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton history [-n N]}. */
@Command(name = "history", description = "Show the handover history (release changes, engines made active or idled) "
        + "and operators' actions (who asked the agent what through its API), oldest first.", footer = {"", ExitCodes.HELP})
final class HistoryCommand extends ClientCommand {
    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "20", description = "The last N events (default: 20).")
    int limit;

    @Override
    int run(ApiClient api) throws CliException {
        if (limit < 1) {
            throw new CliException(ExitCodes.USAGE, "-n must be at least 1");
        }
        ApiClient.Answer a = api.get("/v1/history?limit=" + limit);
        if (options.json) {
            printJson(a);
            return ExitCodes.OK;
        }
        JsonNode events = a.json().path("events");
        if (events.isEmpty()) {
            out().println("no events yet");
        } else {
            Table t = new Table("TIME", "GROUP", "EVENT", "PROGRAM", "MESSAGE");
            for (JsonNode e : events) {
                t.row(e.path("time").asText(), e.path("group").asText("-"), e.path("kind").asText(),
                        e.path("program").isTextual() ? e.path("program").asText() : "-", e.path("message").asText()
                        + (e.path("count").asInt(1) > 1 ? " (" + e.path("count").asInt() + " times, last " + e.path("last_time").asText() + ")" : ""));
            }
            t.print(out());
        }
        out().flush();
        return ExitCodes.OK;
    }
}
