package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton failover [--to HOST] [--lock NAME] [--yes]}. */
@Command(name = "failover", description = {"Planned switchover of an exclusive program to another host: the holder "
        + "stops its program and waits until it has exited, releases the lock, then the target takes the lock and "
        + "starts the program with a new fencing token. In warm-standby mode (exclusive.identity) the programs keep "
        + "running: the holder's release hook runs, then the target's acquire hook.",
        "A lock with a safe_moment check must be switched over from its holder: the check runs there first and the "
        + "switchover waits for it (up to failover_timeout), else it is refused.",
        "Without --yes this is a dry run: it prints the plan (with the safe-moment result now, and why it would be "
        + "refused) and changes nothing."},
        footer = {"", ExitCodes.HELP})
final class FailoverCommand extends ClientCommand {
    @Option(names = "--to", paramLabel = "HOST", description = "The host to take over (default: the first ready standby).")
    String to;

    @Option(names = "--lock", paramLabel = "NAME", description = "The lock (default: the only exclusive lock of this host).")
    String lock;

    @Option(names = {"-y", "--yes"}, description = "Carry the switchover out (default: print the plan only).")
    boolean yes;

    @Override
    int run(ApiClient api) throws CliException {
        List<String> query = new ArrayList<>();
        if (to != null) {
            query.add("to=" + URLEncoder.encode(to, StandardCharsets.UTF_8));
        }
        if (lock != null) {
            query.add("lock=" + URLEncoder.encode(lock, StandardCharsets.UTF_8));
        }
        if (!yes) {
            query.add("dry_run=true");
        }
        String path = "/v1/cluster/failover" + (query.isEmpty() ? "" : "?" + String.join("&", query));
        ApiClient.Answer a = api.post(path);
        JsonNode r = a.json();
        if (options.json) {
            printJson(a);
        } else if (!yes) {
            out().print(r.path("text").asText());
            out().println(r.path("feasible").asBoolean() ? "dry run: nothing changed; add --yes to carry it out"
                    : "dry run: this switchover would be refused");
        } else {
            out().println("lock " + r.path("lock").asText() + ": " + r.path("previous_holder").asText() + " -> "
                    + r.path("new_holder").asText() + " (fencing token " + r.path("new_token").asLong() + ") in "
                    + r.path("elapsed_ms").asLong() + " ms");
        }
        out().flush();
        return yes || r.path("feasible").asBoolean() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
